using Capstan.Agent.Tests.Support;
using k8s;
using k8s.Models;

namespace Capstan.Agent.Tests.Pods;

/// <summary>A pod's RuntimeClass picks the handler its sandbox is created with, as the kubelet resolves it.</summary>
[Trait("Category", "Slow")]
public sealed class PodRuntimeClassTests(AgentFixture fixture) : IClassFixture<AgentFixture>
{
    private Kubernetes Client => fixture.Client;

    private static V1Pod Pod(string name, string node, string runtimeClass) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new V1PodSpec
        {
            NodeName = node,
            RuntimeClassName = runtimeClass,
            TerminationGracePeriodSeconds = 1,
            Containers = [new V1Container { Name = "app", Image = "app:1", Command = ["serve"] }],
        },
    };

    private Task<V1RuntimeClass> ClassAsync(string name, string handler) =>
        Client.NodeV1.CreateRuntimeClassAsync(new V1RuntimeClass { Metadata = new V1ObjectMeta { Name = name }, Handler = handler });

    [Fact]
    public async Task Sandbox_GetsTheClassHandler()
    {
        await ClassAsync("vm-handler", "kata");
        var runtime = new TestRuntime();
        await using var agent = await NodeAgent.StartAsync(Client, fixture.Options("node-rc"), runtime, fixture.LoggerFactory, CancellationToken.None);
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("vm", "node-rc", "vm-handler"), "default");

        Assert.True(await AgentFixture.EventuallyAsync(async () =>
            (await Client.CoreV1.ReadNamespacedPodAsync("vm", "default")).Status?.ContainerStatuses?.FirstOrDefault()?.State?.Running is not null));
        Assert.Equal("kata", runtime.SandboxConfigs.Single(c => c.Name == "vm").RuntimeHandler);
    }

    [Fact]
    public async Task ClassDeletedBeforeTheSandbox_FailedCreatePodSandBox_ThenStartsWhenItIsBack()
    {
        // Admission checks the class exists at create; the agent looks it up again when it makes the sandbox.
        await ClassAsync("gone-handler", "gvisor");
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("orphan", "node-rc-gone", "gone-handler"), "default");
        await Client.NodeV1.DeleteRuntimeClassAsync("gone-handler");
        var runtime = new TestRuntime();
        await using var agent = await NodeAgent.StartAsync(Client, fixture.Options("node-rc-gone"), runtime, fixture.LoggerFactory, CancellationToken.None);

        Assert.True(await AgentFixture.EventuallyAsync(async () =>
            (await Client.CoreV1.ListNamespacedEventAsync("default", fieldSelector: "involvedObject.name=orphan")).Items
                .Any(e => e.Reason == "FailedCreatePodSandBox" && e.Message == "Failed to create pod sandbox: RuntimeClass \"gone-handler\" not found")));
        Assert.DoesNotContain(runtime.SandboxConfigs, c => c.Name == "orphan");

        await ClassAsync("gone-handler", "gvisor");
        Assert.True(await AgentFixture.EventuallyAsync(async () =>
            (await Client.CoreV1.ReadNamespacedPodAsync("orphan", "default")).Status?.ContainerStatuses?.FirstOrDefault()?.State?.Running is not null));
        Assert.Equal("gvisor", runtime.SandboxConfigs.Single(c => c.Name == "orphan").RuntimeHandler);
    }
}
