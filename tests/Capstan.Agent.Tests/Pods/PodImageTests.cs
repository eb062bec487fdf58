using Capstan.Agent.Runtime;
using Capstan.Agent.Tests.Support;
using k8s;
using k8s.Models;

namespace Capstan.Agent.Tests.Pods;

/// <summary>imagePullPolicy, pull back-off, and the CRI-only parts of the container config, on a runtime with an image service.</summary>
[Trait("Category", "Slow")]
public sealed class PodImageTests(AgentFixture fixture) : IClassFixture<AgentFixture>
{
    private Kubernetes Client => fixture.Client;

    private static V1Pod Pod(string name, string node, string image, string? policy = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new V1PodSpec
        {
            NodeName = node,
            TerminationGracePeriodSeconds = 1,
            Containers = [new V1Container { Name = "app", Image = image, ImagePullPolicy = policy, SecurityContext = new V1SecurityContext { ReadOnlyRootFilesystem = true } }],
        },
    };

    private async Task<V1Pod> WaitForAsync(string name, Func<V1Pod, bool> condition)
    {
        V1Pod? last = null;
        var ok = await AgentFixture.EventuallyAsync(async () =>
        {
            last = await Client.CoreV1.ReadNamespacedPodAsync(name, "default");
            return condition(last);
        });
        Assert.True(ok, $"pod {name} did not reach the condition; status: {KubernetesJson.Serialize(last?.Status)}");
        return last!;
    }

    [Fact]
    public async Task NeverPolicy_ImageAbsent_ErrImageNeverPull_ThenStartsOnceImported()
    {
        var images = new TestImageService();
        var runtime = new TestRuntime { Images = images };
        await using var agent = await NodeAgent.StartAsync(Client, fixture.Options("node-never"), runtime, fixture.LoggerFactory, CancellationToken.None);
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("never", "node-never", "absent:1", "Never"), "default");

        var pod = await WaitForAsync("never", p => p.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Waiting?.Reason == "ErrImageNeverPull");
        Assert.Equal("Container image \"absent:1\" is not present with pull policy of Never", pod.Status.ContainerStatuses[0].State.Waiting.Message);
        Assert.Empty(images.Pulls);

        images.Add("absent:1");
        pod = await WaitForAsync("never", p => p.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Running is not null);
        Assert.Equal(TestImageService.IdOf("absent:1"), pod.Status.ContainerStatuses[0].ImageID);
    }

    [Fact]
    public async Task PullFails_ErrImagePullThenImagePullBackOff()
    {
        var images = new TestImageService { FailPull = _ => "manifest unknown" };
        var runtime = new TestRuntime { Images = images };
        await using var agent = await NodeAgent.StartAsync(Client, fixture.Options("node-pullfail"), runtime, fixture.LoggerFactory, CancellationToken.None);
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("pullfail", "node-pullfail", "missing:1"), "default");

        var pod = await WaitForAsync("pullfail", p => p.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Waiting?.Reason == "ImagePullBackOff");
        Assert.Equal("Back-off pulling image \"missing:1\"", pod.Status.ContainerStatuses[0].State.Waiting.Message);
        Assert.Equal("missing:1", images.Pulls.First().Image);
        Assert.Null(runtime.Find("pullfail", "app"));
    }

    [Fact]
    public async Task PresentImage_ConfigCarriesImageRefSecurityAndTerminationMessage()
    {
        var images = new TestImageService();
        images.Add("app:1");
        var runtime = new TestRuntime { Images = images };
        await using var agent = await NodeAgent.StartAsync(Client, fixture.Options("node-present"), runtime, fixture.LoggerFactory, CancellationToken.None);
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("present", "node-present", "app:1"), "default");

        await WaitForAsync("present", p => p.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Running is not null);
        var config = runtime.Created.Single(c => c.Labels["io.kubernetes.pod.name"] == "present");
        Assert.Equal(TestImageService.IdOf("app:1"), config.ImageRef);
        Assert.True(config.Security.ReadOnlyRootFilesystem);
        var sandbox = runtime.SandboxConfigs.First(s => s.Name == "present");
        Assert.StartsWith("/capstan/besteffort/pod", sandbox.CgroupParent, StringComparison.Ordinal);
        Assert.NotNull(sandbox.Dns);

        var termination = config.Mounts.Single(m => m.ContainerPath == "/dev/termination-log");
        await File.WriteAllTextAsync(termination.HostPath, "bye");
        runtime.Exit("present", "app", 3);
        var pod = await WaitForAsync("present", p => p.Status?.ContainerStatuses?.FirstOrDefault()?.LastState?.Terminated is not null
            || p.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Terminated is not null);
        var terminated = pod.Status.ContainerStatuses[0].LastState?.Terminated ?? pod.Status.ContainerStatuses[0].State.Terminated;
        Assert.Equal("bye", terminated.Message);
    }
}
