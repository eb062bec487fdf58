using Capstan.Agent.Node;
using Capstan.Agent.Tests.Support;
using k8s;
using k8s.Models;

namespace Capstan.Agent.Tests.Node;

[Trait("Category", "Slow")]
public sealed class NodeRegistrationTests(AgentFixture fixture) : IClassFixture<AgentFixture>
{
    [Fact]
    public async Task StartAsync_RegistersNode_WithConditionsCapacityAndNodeInfo()
    {
        var runtime = new TestRuntime();
        await using var agent = await NodeAgent.StartAsync(fixture.Client, fixture.Options("node-reg") with { ControlPlane = true }, runtime, fixture.LoggerFactory, CancellationToken.None);

        var node = await fixture.Client.CoreV1.ReadNodeAsync("node-reg");
        Assert.Equal("node-reg", node.Metadata.Labels["kubernetes.io/hostname"]);
        Assert.Equal("linux", node.Metadata.Labels["kubernetes.io/os"]);
        Assert.Equal(MachineInfo.Arch(), node.Metadata.Labels["kubernetes.io/arch"]);
        Assert.Equal("true", node.Metadata.Labels["node-role.kubernetes.io/control-plane"]);
        var ready = Assert.Single(node.Status.Conditions, c => c.Type == "Ready");
        Assert.Equal("True", ready.Status);
        Assert.Equal("KubeletReady", ready.Reason);
        Assert.Equal("kubelet is posting ready status", ready.Message);
        Assert.Equal("False", node.Status.Conditions.Single(c => c.Type == "MemoryPressure").Status);
        Assert.Equal("KubeletHasNoDiskPressure", node.Status.Conditions.Single(c => c.Type == "DiskPressure").Reason);
        Assert.Equal("KubeletHasSufficientPID", node.Status.Conditions.Single(c => c.Type == "PIDPressure").Reason);
        Assert.Equal(Environment.ProcessorCount.ToString(System.Globalization.CultureInfo.InvariantCulture), node.Status.Capacity["cpu"].ToString());
        Assert.Equal("110", node.Status.Allocatable["pods"].ToString());
        Assert.True(node.Status.Capacity["memory"].ToDecimal() > 0);
        Assert.Contains(node.Status.Addresses, a => a is { Type: "InternalIP", Address: "127.0.0.1" });
        Assert.Contains(node.Status.Addresses, a => a is { Type: "Hostname", Address: "node-reg" });
        Assert.Equal("test://0.1.0", node.Status.NodeInfo.ContainerRuntimeVersion);
        Assert.Equal("v1.32.0+capstan", node.Status.NodeInfo.KubeletVersion);
        Assert.Equal("linux", node.Status.NodeInfo.OperatingSystem);
        Assert.Equal(10250, node.Status.DaemonEndpoints.KubeletEndpoint.Port);
    }

    [Fact]
    public async Task Lease_IsCreatedAndRenewed()
    {
        var runtime = new TestRuntime();
        await using var agent = await NodeAgent.StartAsync(fixture.Client, fixture.Options("node-lease"), runtime, fixture.LoggerFactory, CancellationToken.None);

        var first = await fixture.Client.CoordinationV1.ReadNamespacedLeaseAsync("node-lease", "kube-node-lease");
        Assert.Equal("node-lease", first.Spec.HolderIdentity);
        Assert.Equal(40, first.Spec.LeaseDurationSeconds);
        var raw = await new Capstan.Client.Dynamic.DynamicClient(fixture.Client).GetPathAsync("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node-lease", CancellationToken.None);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$", raw["spec"]!["renewTime"]!.GetValue<string>());
        var node = await fixture.Client.CoreV1.ReadNodeAsync("node-lease");
        Assert.Equal(node.Metadata.Uid, Assert.Single(first.Metadata.OwnerReferences).Uid);
        Assert.True(await AgentFixture.EventuallyAsync(async () =>
        {
            var lease = await fixture.Client.CoordinationV1.ReadNamespacedLeaseAsync("node-lease", "kube-node-lease");
            return lease.Spec.RenewTime > first.Spec.RenewTime;
        }));
    }

    [Fact]
    public async Task StartAsync_NodeExists_UpdatesItAndEmitsStartingEvent()
    {
        await fixture.Client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = "node-pre", Labels = new Dictionary<string, string> { ["keep"] = "me" } } });
        var runtime = new TestRuntime();
        await using var agent = await NodeAgent.StartAsync(fixture.Client, fixture.Options("node-pre"), runtime, fixture.LoggerFactory, CancellationToken.None);

        var node = await fixture.Client.CoreV1.ReadNodeAsync("node-pre");
        Assert.Equal("me", node.Metadata.Labels["keep"]);
        Assert.Equal("node-pre", node.Metadata.Labels["kubernetes.io/hostname"]);
        Assert.Equal("True", node.Status.Conditions.Single(c => c.Type == "Ready").Status);
        Assert.True(await AgentFixture.EventuallyAsync(async () =>
        {
            var events = await fixture.Client.CoreV1.ListNamespacedEventAsync("default");
            return events.Items.Any(e => e.InvolvedObject.Name == "node-pre" && e.Reason == "Starting" && e.Message == "Starting kubelet." && e.Source.Component == "kubelet")
                && events.Items.Any(e => e.InvolvedObject.Name == "node-pre" && e.Reason == "NodeReady");
        }));
    }
}
