using System.Text.Json.Nodes;
using Capstan.Client.Cache;
using Capstan.Scheduler.Plugins;
using k8s.Models;
using static Capstan.Scheduler.Tests.TestObjects;

namespace Capstan.Scheduler.Tests.Plugins;

public sealed class VolumeBindingTests
{
    private readonly IndexedCache _claims = new();
    private readonly IndexedCache _volumes = new();
    private readonly IndexedCache _classes = new();
    private readonly IndexedCache _pods = new();

    private VolumeBinding Plugin => new(_claims, _volumes, _classes, _pods);

    [Fact]
    public void Filter_NoClaims_Success() => Assert.True(Plugin.Filter(Info(Pod()), NodeInfo("a")).IsSuccess);

    [Fact]
    public void AppliesTo_OnlyPodsWithClaims()
    {
        var projected = Pod();
        projected.Spec.Volumes =
        [
            new V1Volume { Name = "kube-api-access", Projected = new V1ProjectedVolumeSource { Sources = [new V1VolumeProjection { ServiceAccountToken = new V1ServiceAccountTokenProjection { Path = "token" } }] } },
            new V1Volume { Name = "scratch", EmptyDir = new V1EmptyDirVolumeSource() },
        ];
        var ephemeral = Pod();
        ephemeral.Spec.Volumes = [new V1Volume { Name = "e", Ephemeral = new V1EphemeralVolumeSource { VolumeClaimTemplate = new V1PersistentVolumeClaimTemplate { Spec = new V1PersistentVolumeClaimSpec() } } }];

        Assert.False(Plugin.AppliesTo(Info(Pod())));
        Assert.False(Plugin.AppliesTo(Info(projected)));
        Assert.True(Plugin.Filter(Info(projected), NodeInfo("a")).IsSuccess);
        Assert.True(Plugin.AppliesTo(Info(PodWithClaim("data"))));
        Assert.True(Plugin.AppliesTo(Info(ephemeral)));
    }

    [Fact]
    public void Filter_MissingClaim_Unresolvable()
    {
        var status = Plugin.Filter(Info(PodWithClaim("data")), NodeInfo("a"));
        Assert.False(status.IsSuccess);
        Assert.Contains("persistentvolumeclaim \"data\" not found", status.Reasons);
    }

    [Fact]
    public void Filter_BoundClaimWithLocalVolume_OnlyItsNode()
    {
        _claims.Upsert(Claim("data", volumeName: "pv1"));
        _volumes.Upsert(Volume("pv1", node: "a"));
        var pod = Info(PodWithClaim("data"));
        Assert.True(Plugin.Filter(pod, NodeInfo(Node("a", labels: new() { ["kubernetes.io/hostname"] = "a" }))).IsSuccess);
        var other = Plugin.Filter(pod, NodeInfo(Node("b", labels: new() { ["kubernetes.io/hostname"] = "b" })));
        Assert.Contains(VolumeBinding.NodeConflict, other.Reasons);
    }

    [Fact]
    public void Filter_UnboundImmediateClaim_Unresolvable()
    {
        _classes.Upsert(Class("fast", "Immediate", "example.com/p"));
        _claims.Upsert(Claim("data", className: "fast"));
        Assert.Contains(VolumeBinding.UnboundImmediate, Plugin.Filter(Info(PodWithClaim("data")), NodeInfo("a")).Reasons);
    }

    [Fact]
    public void Filter_WaitForFirstConsumerWithProvisioner_AnyNode()
    {
        _classes.Upsert(Class("local-path", "WaitForFirstConsumer", "capstan.io/local-path"));
        _claims.Upsert(Claim("data", className: "local-path"));
        Assert.True(Plugin.Filter(Info(PodWithClaim("data")), NodeInfo("a")).IsSuccess);
    }

    [Fact]
    public void Filter_WaitForFirstConsumerNoProvisioner_NeedsFreeVolumeOnNode()
    {
        _classes.Upsert(Class("local", "WaitForFirstConsumer", "kubernetes.io/no-provisioner"));
        _claims.Upsert(Claim("data", className: "local"));
        var free = Volume("pv-a", node: "a");
        free["spec"]!["storageClassName"] = "local";
        free["spec"]!.AsObject().Remove("claimRef");
        _volumes.Upsert(free);
        var pod = Info(PodWithClaim("data"));
        Assert.True(Plugin.Filter(pod, NodeInfo(Node("a", labels: new() { ["kubernetes.io/hostname"] = "a" }))).IsSuccess);
        Assert.Contains(VolumeBinding.NoVolume, Plugin.Filter(pod, NodeInfo(Node("b", labels: new() { ["kubernetes.io/hostname"] = "b" }))).Reasons);
    }

    [Fact]
    public void Filter_ReadWriteOncePodClaimInUseByAnotherPod_Rejected()
    {
        var claim = Claim("data", volumeName: "pv1");
        claim["spec"]!["accessModes"] = new JsonArray("ReadWriteOncePod");
        _claims.Upsert(claim);
        _volumes.Upsert(Volume("pv1", node: null));
        var user = Json(PodWithClaim("data", "user"));
        user["metadata"]!["uid"] = "other-uid";
        _pods.Upsert(user);
        Assert.Contains(VolumeBinding.ReadWriteOncePodConflict, Plugin.Filter(Info(PodWithClaim("data", "second")), NodeInfo("a")).Reasons);
    }

    private static V1Pod PodWithClaim(string claim, string name = "p")
    {
        var pod = Pod(name);
        pod.Metadata.NamespaceProperty = "default";
        pod.Metadata.Uid = name + "-uid";
        pod.Spec.Volumes = [new V1Volume { Name = "d", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = claim } }];
        return pod;
    }

    private static JsonObject Claim(string name, string? volumeName = null, string? className = null) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default", ["uid"] = name + "-uid" },
        ["spec"] = new JsonObject
        {
            ["accessModes"] = new JsonArray("ReadWriteOnce"),
            ["storageClassName"] = className,
            ["volumeName"] = volumeName,
            ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["storage"] = "1Gi" } },
        },
    };

    private static JsonObject Volume(string name, string? node)
    {
        var spec = new JsonObject
        {
            ["accessModes"] = new JsonArray("ReadWriteOnce", "ReadWriteOncePod"),
            ["capacity"] = new JsonObject { ["storage"] = "1Gi" },
            ["claimRef"] = new JsonObject { ["namespace"] = "default", ["name"] = "data" },
        };
        if (node is not null)
        {
            spec["nodeAffinity"] = new JsonObject
            {
                ["required"] = new JsonObject
                {
                    ["nodeSelectorTerms"] = new JsonArray(new JsonObject
                    {
                        ["matchExpressions"] = new JsonArray(new JsonObject { ["key"] = "kubernetes.io/hostname", ["operator"] = "In", ["values"] = new JsonArray(node) }),
                    }),
                },
            };
        }

        return new JsonObject { ["metadata"] = new JsonObject { ["name"] = name }, ["spec"] = spec };
    }

    private static JsonObject Class(string name, string mode, string provisioner) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = name },
        ["provisioner"] = provisioner,
        ["volumeBindingMode"] = mode,
    };
}
