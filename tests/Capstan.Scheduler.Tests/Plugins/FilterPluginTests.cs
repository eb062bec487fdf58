using Capstan.Scheduler.Framework;
using Capstan.Scheduler.Plugins;
using k8s.Models;
using static Capstan.Scheduler.Tests.TestObjects;

namespace Capstan.Scheduler.Tests.Plugins;

public sealed class FilterPluginTests
{
    [Fact]
    public void NodeUnschedulable_CordonedNode_RejectedUnlessTolerated()
    {
        var v1 = Node("n");
        v1.Spec.Unschedulable = true;
        var node = NodeInfo(v1);
        var plain = Info(Pod());
        var tolerating = Pod();
        tolerating.Spec.Tolerations = [new V1Toleration { Key = "node.kubernetes.io/unschedulable", OperatorProperty = "Exists", Effect = "NoSchedule" }];

        var rejected = new NodeUnschedulable().Filter(plain, node);

        Assert.Equal(StatusCode.UnschedulableAndUnresolvable, rejected.Code);
        Assert.Equal(["node(s) were unschedulable"], rejected.Reasons);
        Assert.True(new NodeUnschedulable().Filter(Info(tolerating), node).IsSuccess);
        Assert.True(new NodeUnschedulable().Filter(plain, NodeInfo("m")).IsSuccess);
    }

    [Fact]
    public void NodeName_OtherNode_Rejected()
    {
        var pod = Pod();
        pod.Spec.NodeName = "a";

        Assert.True(new NodeName().Filter(Info(pod), NodeInfo("a")).IsSuccess);
        Assert.Equal(["node(s) didn't match the requested node name"], new NodeName().Filter(Info(pod), NodeInfo("b")).Reasons);
        Assert.True(new NodeName().Filter(Info(Pod()), NodeInfo("b")).IsSuccess);
    }

    [Fact]
    public void AppliesTo_PodOnlyPlugins_OnlyWhenThePodAsks()
    {
        var plain = Info(Pod());
        var named = Pod();
        named.Spec.NodeName = "a";
        var selecting = Pod();
        selecting.Spec.NodeSelector = new Dictionary<string, string> { ["zone"] = "a" };
        var affine = Pod();
        affine.Spec.Affinity = new V1Affinity
        {
            NodeAffinity = new V1NodeAffinity
            {
                RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector
                {
                    NodeSelectorTerms = [new V1NodeSelectorTerm { MatchExpressions = [new V1NodeSelectorRequirement { Key = "zone", OperatorProperty = "In", Values = ["a"] }] }],
                },
            },
        };
        var ported = Pod("p", Container());
        ported.Spec.Containers[0].Ports = [new V1ContainerPort { ContainerPort = 80, HostPort = 8080 }];

        IFilterPlugin nodeName = new NodeName(), affinity = new NodeAffinity(), ports = new NodePorts();
        Assert.False(nodeName.AppliesTo(plain));
        Assert.True(nodeName.AppliesTo(Info(named)));
        Assert.False(affinity.AppliesTo(plain));
        Assert.True(affinity.AppliesTo(Info(selecting)));
        Assert.True(affinity.AppliesTo(Info(affine)));
        Assert.False(ports.AppliesTo(plain));
        Assert.True(ports.AppliesTo(Info(ported)));

        // Where a plugin does not apply, it passes any node.
        var labelled = NodeInfo(Node("n", labels: new() { ["zone"] = "b" }));
        Assert.True(nodeName.Filter(plain, labelled).IsSuccess);
        Assert.True(affinity.Filter(plain, labelled).IsSuccess);
        Assert.True(ports.Filter(plain, labelled).IsSuccess);
    }

    [Theory]
    [InlineData("NoSchedule", false)]
    [InlineData("NoExecute", false)]
    [InlineData("PreferNoSchedule", true)]
    public void TaintToleration_UntoleratedTaint_RejectedByEffect(string effect, bool fits)
    {
        var node = NodeInfo(Node("n", taints: new V1Taint { Key = "dedicated", Value = "gpu", Effect = effect }));

        var status = new TaintToleration().Filter(Info(Pod()), node);

        Assert.Equal(fits, status.IsSuccess);
        if (!fits)
        {
            Assert.Equal(["node(s) had untolerated taint {dedicated: gpu}"], status.Reasons);
        }
    }

    [Fact]
    public void TaintToleration_NotReadyTaint_ReportedWithEmptyValue()
    {
        var node = NodeInfo(Node("n", taints: new V1Taint { Key = "node.kubernetes.io/not-ready", Effect = "NoSchedule" }));

        Assert.Equal(["node(s) had untolerated taint {node.kubernetes.io/not-ready: }"], new TaintToleration().Filter(Info(Pod()), node).Reasons);
    }

    [Theory]
    [InlineData("dedicated", "Equal", "gpu", "NoSchedule", true)]
    [InlineData("dedicated", "Equal", "cpu", "NoSchedule", false)]
    [InlineData("dedicated", "Exists", null, "", true)]
    [InlineData("dedicated", "Exists", null, "NoExecute", false)]
    [InlineData("", "Exists", null, "", true)]
    [InlineData("other", "Exists", null, "", false)]
    [InlineData("dedicated", null, "gpu", null, true)]
    public void TaintToleration_Tolerations_MatchKeyOperatorValueEffect(string key, string? op, string? value, string? effect, bool fits)
    {
        var node = NodeInfo(Node("n", taints: new V1Taint { Key = "dedicated", Value = "gpu", Effect = "NoSchedule" }));
        var pod = Pod();
        pod.Spec.Tolerations = [new V1Toleration { Key = key.Length == 0 ? null : key, OperatorProperty = op, Value = value, Effect = effect }];

        Assert.Equal(fits, new TaintToleration().Filter(Info(pod), node).IsSuccess);
    }

    [Fact]
    public void NodeAffinity_NodeSelector_MustMatchAllLabels()
    {
        var node = NodeInfo(Node("n", labels: new() { ["zone"] = "a", ["disk"] = "ssd" }));
        var pod = Pod();
        pod.Spec.NodeSelector = new Dictionary<string, string> { ["zone"] = "a", ["disk"] = "ssd" };
        var wrong = Pod();
        wrong.Spec.NodeSelector = new Dictionary<string, string> { ["zone"] = "a", ["disk"] = "hdd" };

        Assert.True(new NodeAffinity().Filter(Info(pod), node).IsSuccess);
        var status = new NodeAffinity().Filter(Info(wrong), node);
        Assert.Equal(StatusCode.UnschedulableAndUnresolvable, status.Code);
        Assert.Equal(["node(s) didn't match Pod's node affinity/selector"], status.Reasons);
    }

    [Theory]
    [InlineData("zone", "In", new[] { "a", "b" }, true)]
    [InlineData("zone", "In", new[] { "c" }, false)]
    [InlineData("zone", "NotIn", new[] { "c" }, true)]
    [InlineData("missing", "NotIn", new[] { "c" }, true)]
    [InlineData("zone", "Exists", new string[0], true)]
    [InlineData("missing", "DoesNotExist", new string[0], true)]
    [InlineData("zone", "DoesNotExist", new string[0], false)]
    [InlineData("cores", "Gt", new[] { "8" }, true)]
    [InlineData("cores", "Gt", new[] { "16" }, false)]
    [InlineData("cores", "Lt", new[] { "32" }, true)]
    [InlineData("zone", "Gt", new[] { "1" }, false)]
    public void NodeAffinity_RequiredMatchExpressions_Operators(string key, string op, string[] values, bool fits)
    {
        var node = NodeInfo(Node("n", labels: new() { ["zone"] = "a", ["cores"] = "16" }));
        var pod = Pod();
        pod.Spec.Affinity = RequiredAffinity(new V1NodeSelectorTerm { MatchExpressions = [new V1NodeSelectorRequirement { Key = key, OperatorProperty = op, Values = values }] });

        Assert.Equal(fits, new NodeAffinity().Filter(Info(pod), node).IsSuccess);
    }

    [Fact]
    public void NodeAffinity_Terms_AreOredAndMatchFieldsUseNodeName()
    {
        var pod = Pod();
        pod.Spec.Affinity = RequiredAffinity(
            new V1NodeSelectorTerm { MatchExpressions = [new V1NodeSelectorRequirement { Key = "zone", OperatorProperty = "In", Values = ["z"] }] },
            new V1NodeSelectorTerm { MatchFields = [new V1NodeSelectorRequirement { Key = "metadata.name", OperatorProperty = "In", Values = ["chosen"] }] });

        Assert.True(new NodeAffinity().Filter(Info(pod), NodeInfo("chosen")).IsSuccess);
        Assert.False(new NodeAffinity().Filter(Info(pod), NodeInfo("other")).IsSuccess);
    }

    [Fact]
    public void NodeAffinity_EmptyTerm_MatchesNothing()
    {
        var pod = Pod();
        pod.Spec.Affinity = RequiredAffinity(new V1NodeSelectorTerm());

        Assert.False(new NodeAffinity().Filter(Info(pod), NodeInfo("n")).IsSuccess);
    }

    [Fact]
    public void NodeResourcesFit_RequestsAgainstAllocatableMinusBound()
    {
        var node = NodeInfo("n", cpu: "2", memory: "2Gi");
        node.AddPod(Info("1500m", "1Gi", "existing"));
        var fit = new NodeResourcesFit();

        Assert.True(fit.Filter(Info("500m", "1Gi"), node).IsSuccess);
        var status = fit.Filter(Info("600m", "1100Mi"), node);
        Assert.Equal(StatusCode.Unschedulable, status.Code);
        Assert.Equal(["Insufficient cpu", "Insufficient memory"], status.Reasons);
    }

    [Fact]
    public void NodeResourcesFit_PodCount_TooManyPods()
    {
        var node = NodeInfo(Node("n", pods: "2"));
        node.AddPod(Info(Pod("a")));
        node.AddPod(Info(Pod("b")));

        Assert.Equal(["Too many pods"], new NodeResourcesFit().Filter(Info(Pod("c")), node).Reasons);
    }

    [Fact]
    public void NodeResourcesFit_ExtendedResourceMissingOnNode_Insufficient()
    {
        var pod = Info(Pod("p", Container("a", extra: new() { ["example.com/gpu"] = "1" })));

        Assert.Equal(["Insufficient example.com/gpu"], new NodeResourcesFit().Filter(pod, NodeInfo("n")).Reasons);
    }

    [Fact]
    public void NodeResourcesFit_ZeroRequestPod_FitsFullNode()
    {
        var node = NodeInfo("n", cpu: "1", memory: "1Gi");
        node.AddPod(Info("1", "1Gi", "hog"));

        Assert.True(new NodeResourcesFit().Filter(Info(Pod()), node).IsSuccess);
    }

    [Fact]
    public void NodeResourcesFit_TerminatedPodsAreNotCounted_ByTheCache()
    {
        // The cache drops Succeeded/Failed pods; a NodeInfo only ever holds live ones. Removal frees the resources.
        var node = NodeInfo("n", cpu: "1", memory: "1Gi");
        var hog = Info("1", "1Gi", "hog");
        node.AddPod(hog);
        node.RemovePod(hog.Uid);

        Assert.True(new NodeResourcesFit().Filter(Info("1", "1Gi"), node).IsSuccess);
    }

    [Theory]
    [InlineData("TCP", null, "TCP", null, false)]
    [InlineData("TCP", null, "UDP", null, true)]
    [InlineData("TCP", "127.0.0.1", "TCP", "127.0.0.2", true)]
    [InlineData("TCP", "127.0.0.1", "TCP", "127.0.0.1", false)]
    [InlineData("TCP", "0.0.0.0", "TCP", "127.0.0.1", false)]
    [InlineData("TCP", "127.0.0.1", "TCP", null, false)]
    public void NodePorts_Conflicts_PerProtocolAndIp(string usedProtocol, string? usedIp, string wantedProtocol, string? wantedIp, bool fits)
    {
        var node = NodeInfo("n");
        node.AddPod(Info(WithHostPort(Pod("a"), 8080, usedProtocol, usedIp)));

        var status = new NodePorts().Filter(Info(WithHostPort(Pod("b"), 8080, wantedProtocol, wantedIp)), node);

        Assert.Equal(fits, status.IsSuccess);
        if (!fits)
        {
            Assert.Equal(["node(s) didn't have free ports for the requested pod ports"], status.Reasons);
        }
    }

    [Fact]
    public void NodePorts_PodRemoved_FreesPort()
    {
        var node = NodeInfo("n");
        var first = Info(WithHostPort(Pod("a"), 80, "TCP", null));
        node.AddPod(first);
        node.RemovePod(first.Uid);

        Assert.True(new NodePorts().Filter(Info(WithHostPort(Pod("b"), 80, "TCP", null)), node).IsSuccess);
    }

    private static V1Pod WithHostPort(V1Pod pod, int port, string protocol, string? ip)
    {
        pod.Spec.Containers[0].Ports = [new V1ContainerPort { ContainerPort = port, HostPort = port, Protocol = protocol, HostIP = ip }];
        return pod;
    }

    private static V1Affinity RequiredAffinity(params V1NodeSelectorTerm[] terms) => new()
    {
        NodeAffinity = new V1NodeAffinity { RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector { NodeSelectorTerms = terms } },
    };
}
