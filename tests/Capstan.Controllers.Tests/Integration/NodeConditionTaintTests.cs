using k8s;
using k8s.Models;

namespace Capstan.Controllers.Tests.Integration;

/// <summary>TaintNodesByCondition through the API: the agent's MemoryPressure condition brings and takes the NoSchedule taint.</summary>
[Trait("Category", "Slow")]
public sealed class NodeConditionTaintTests(ControllersFixture fixture) : IClassFixture<ControllersFixture>
{
    private Kubernetes Client => fixture.Client;

    [Fact]
    public async Task MemoryPressure_TaintedWhileTrue_UntaintedWhenFalse()
    {
        const string node = "pressured-node";
        await FakeKubelet.RegisterNodeAsync(Client, node);

        await PostAsync(node, memoryPressure: "True");
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
        {
            await FakeKubelet.RenewLeaseAsync(Client, node);
            return (await Client.ReadNodeAsync(node)).Spec?.Taints?.Any(t => t.Key == "node.kubernetes.io/memory-pressure" && t.Effect == "NoSchedule") == true;
        }));

        await PostAsync(node, memoryPressure: "False");
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
        {
            await FakeKubelet.RenewLeaseAsync(Client, node);
            return (await Client.ReadNodeAsync(node)).Spec?.Taints?.Any(t => t.Key == "node.kubernetes.io/memory-pressure") != true;
        }));
    }

    private async Task PostAsync(string name, string memoryPressure)
    {
        for (var attempt = 0; ; attempt++)
        {
            var node = await Client.ReadNodeAsync(name);
            var now = DateTime.UtcNow;
            node.Status.Conditions =
            [
                new V1NodeCondition { Type = "Ready", Status = "True", Reason = "KubeletReady", LastHeartbeatTime = now, LastTransitionTime = now },
                new V1NodeCondition { Type = "MemoryPressure", Status = memoryPressure, Reason = "KubeletHasInsufficientMemory", LastHeartbeatTime = now, LastTransitionTime = now },
            ];
            try
            {
                await Client.ReplaceNodeStatusAsync(node, name);
                return;
            }
            catch (k8s.Autorest.HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.Conflict && attempt < 5)
            {
            }
        }
    }
}
