using System.Text.Json.Nodes;
using Capstan.Client.Cache;
using Capstan.Scheduler.Framework;
using Capstan.Scheduler.Plugins;
using k8s.Models;
using static Capstan.Scheduler.Tests.TestObjects;

namespace Capstan.Scheduler.Tests.Plugins;

public sealed class NodeVolumeLimitsTests
{
    private const string Driver = "ebs.csi.example.com";

    private readonly IndexedCache _csiNodes = new();
    private readonly IndexedCache _claims = new();
    private readonly IndexedCache _volumes = new();
    private readonly IndexedCache _classes = new();

    public NodeVolumeLimitsTests()
    {
        _classes.Upsert(new JsonObject { ["metadata"] = new JsonObject { ["name"] = "csi" }, ["provisioner"] = Driver });
        _classes.Upsert(new JsonObject { ["metadata"] = new JsonObject { ["name"] = "local-path" }, ["provisioner"] = "capstan.io/local-path" });
    }

    private NodeVolumeLimits Plugin => new(_csiNodes, _claims, _volumes, _classes);

    [Fact]
    public void Filter_PodWithoutVolumes_Success()
    {
        Limit("a", 0);
        Assert.True(Plugin.Filter(Info(Pod()), NodeInfo("a")).IsSuccess);
    }

    [Fact]
    public void AppliesTo_OnlyPodsWithClaims()
    {
        Limit("a", 0);
        var projected = Pod();
        projected.Spec.Volumes = [new V1Volume { Name = "kube-api-access", Projected = new V1ProjectedVolumeSource() }];

        Assert.False(Plugin.AppliesTo(Info(projected)));
        Assert.True(Plugin.Filter(Info(projected), NodeInfo("a")).IsSuccess);
        Assert.True(Plugin.AppliesTo(PodWith("p", "c1")));
    }

    [Fact]
    public void Filter_NoCsiNode_NoLimit()
    {
        BoundCsiClaim("c1", "vol-1");
        Assert.True(Plugin.Filter(PodWith("p", "c1"), NodeInfo("a")).IsSuccess);
    }

    [Fact]
    public void Filter_BoundCsiVolumesOverTheLimit_Unschedulable()
    {
        Limit("a", 1);
        BoundCsiClaim("c1", "vol-1");
        BoundCsiClaim("c2", "vol-2");
        var node = NodeInfo("a");
        node.AddPod(PodWith("first", "c1"));

        var status = Plugin.Filter(PodWith("second", "c2"), node);

        Assert.Equal(StatusCode.Unschedulable, status.Code);
        Assert.Contains(NodeVolumeLimits.MaxVolumeCountExceeded, status.Reasons);
    }

    [Fact]
    public void Filter_WithinTheLimit_Success()
    {
        Limit("a", 2);
        BoundCsiClaim("c1", "vol-1");
        BoundCsiClaim("c2", "vol-2");
        var node = NodeInfo("a");
        node.AddPod(PodWith("first", "c1"));
        Assert.True(Plugin.Filter(PodWith("second", "c2"), node).IsSuccess);
    }

    [Fact]
    public void Filter_VolumeAlreadyOnTheNode_CountedOnce()
    {
        Limit("a", 1);
        BoundCsiClaim("c1", "vol-1");
        var node = NodeInfo("a");
        node.AddPod(PodWith("first", "c1"));
        Assert.True(Plugin.Filter(PodWith("second", "c1"), node).IsSuccess);
    }

    [Fact]
    public void Filter_UnboundClaim_CountsUnderItsClassProvisioner()
    {
        Limit("a", 1);
        BoundCsiClaim("c1", "vol-1");
        _claims.Upsert(Claim("pending", className: "csi"));
        var node = NodeInfo("a");
        node.AddPod(PodWith("first", "c1"));
        Assert.Contains(NodeVolumeLimits.MaxVolumeCountExceeded, Plugin.Filter(PodWith("second", "pending"), node).Reasons);
    }

    [Fact]
    public void Filter_OtherDriversAndNonCsiVolumes_NotLimited()
    {
        Limit("a", 0);
        _claims.Upsert(Claim("local", className: "local-path"));
        _claims.Upsert(Claim("host", volumeName: "pv-host"));
        _volumes.Upsert(new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "pv-host" },
            ["spec"] = new JsonObject { ["hostPath"] = new JsonObject { ["path"] = "/tmp/x" } },
        });
        Assert.True(Plugin.Filter(PodWith("p", "local", "host"), NodeInfo("a")).IsSuccess);
    }

    [Fact]
    public void Filter_TwoNewVolumesOverALimitOfOne_Unschedulable()
    {
        Limit("a", 1);
        BoundCsiClaim("c1", "vol-1");
        BoundCsiClaim("c2", "vol-2");
        Assert.False(Plugin.Filter(PodWith("p", "c1", "c2"), NodeInfo("a")).IsSuccess);
    }

    [Fact]
    public void Filter_TheLimitIsPerNode()
    {
        Limit("a", 1);
        Limit("b", 5);
        BoundCsiClaim("c1", "vol-1");
        BoundCsiClaim("c2", "vol-2");
        var a = NodeInfo("a");
        a.AddPod(PodWith("first", "c1"));
        var b = NodeInfo("b");
        b.AddPod(PodWith("first", "c1"));
        var pod = PodWith("second", "c2");
        Assert.False(Plugin.Filter(pod, a).IsSuccess);
        Assert.True(Plugin.Filter(pod, b).IsSuccess);
    }

    private void Limit(string node, int count) => _csiNodes.Upsert(new JsonObject
    {
        ["metadata"] = new JsonObject { ["name"] = node },
        ["spec"] = new JsonObject
        {
            ["drivers"] = new JsonArray(new JsonObject
            {
                ["name"] = Driver,
                ["nodeID"] = node,
                ["allocatable"] = new JsonObject { ["count"] = count },
            }),
        },
    });

    private void BoundCsiClaim(string name, string handle)
    {
        _claims.Upsert(Claim(name, volumeName: "pv-" + name));
        _volumes.Upsert(new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "pv-" + name },
            ["spec"] = new JsonObject { ["csi"] = new JsonObject { ["driver"] = Driver, ["volumeHandle"] = handle } },
        });
    }

    private static JsonObject Claim(string name, string? volumeName = null, string? className = null) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default", ["uid"] = name + "-uid" },
        ["spec"] = new JsonObject { ["storageClassName"] = className, ["volumeName"] = volumeName },
    };

    private static PodInfo PodWith(string name, params string[] claims)
    {
        var pod = Pod(name);
        pod.Metadata.NamespaceProperty = "default";
        pod.Metadata.Uid = name + "-uid";
        pod.Spec.Volumes = [.. claims.Select((c, i) => new V1Volume { Name = "v" + i, PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = c } })];
        return Info(pod);
    }
}
