using Capstan.Agent.Tests.Support;
using k8s;
using k8s.Models;

namespace Capstan.Agent.Tests.Volumes.Config;

[Trait("Category", "Slow")]
public sealed class ConfigVolumeUpdateTests(AgentFixture fixture) : IClassFixture<AgentFixture>
{
    private Kubernetes Client => fixture.Client;

    [Fact]
    public async Task UpdatedConfigMapAndSecret_ReachMountedFiles_WithoutWaitingForThePeriod()
    {
        var runtime = new TestRuntime();

        // A sync period far beyond the test's wait: only the watch can deliver the change in time.
        var options = fixture.Options("node-cfg") with { ConfigVolumeSyncPeriod = TimeSpan.FromHours(1) };
        await using var agent = await NodeAgent.StartAsync(Client, options, runtime, fixture.LoggerFactory, CancellationToken.None);
        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new() { Name = "live-cm" }, Data = new Dictionary<string, string> { ["app.conf"] = "v1" } }, "default");
        await Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new() { Name = "live-secret" }, StringData = new Dictionary<string, string> { ["token"] = "t1" } }, "default");
        await Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "live" },
            Spec = new V1PodSpec
            {
                NodeName = "node-cfg",
                Containers = [new V1Container
                {
                    Name = "app",
                    Image = "img",
                    Command = ["/bin/app"],
                    VolumeMounts = [new V1VolumeMount { Name = "config", MountPath = "/etc/config" }, new V1VolumeMount { Name = "all", MountPath = "/etc/all" }],
                }],
                Volumes =
                [
                    new V1Volume { Name = "config", ConfigMap = new V1ConfigMapVolumeSource { Name = "live-cm" } },
                    new V1Volume
                    {
                        Name = "all",
                        Projected = new V1ProjectedVolumeSource
                        {
                            Sources = [new V1VolumeProjection { Secret = new V1SecretProjection { Name = "live-secret" } }],
                        },
                    },
                ],
            },
        }, "default");
        Assert.True(await AgentFixture.EventuallyAsync(() => Task.FromResult(runtime.Started.Contains("app"))));
        var created = runtime.Created.Single();
        var config = created.Mounts.Single(m => m.ContainerPath == "/etc/config").HostPath;
        var all = created.Mounts.Single(m => m.ContainerPath == "/etc/all").HostPath;
        Assert.Equal("v1", File.ReadAllText(Path.Combine(config, "app.conf")));
        Assert.Equal("t1", File.ReadAllText(Path.Combine(all, "token")));

        var cm = await Client.CoreV1.ReadNamespacedConfigMapAsync("live-cm", "default");
        cm.Data["app.conf"] = "v2";
        cm.Data["extra"] = "x";
        await Client.CoreV1.ReplaceNamespacedConfigMapAsync(cm, "live-cm", "default");
        await Client.CoreV1.PatchNamespacedSecretAsync(new V1Patch("{\"stringData\":{\"token\":\"t2\"}}", V1Patch.PatchType.MergePatch), "live-secret", "default");

        Assert.True(await AgentFixture.EventuallyAsync(() => Task.FromResult(
            File.ReadAllText(Path.Combine(config, "app.conf")) == "v2" && File.Exists(Path.Combine(config, "extra")))));
        Assert.True(await AgentFixture.EventuallyAsync(() => Task.FromResult(File.ReadAllText(Path.Combine(all, "token")) == "t2")));
        Assert.Equal("..data", Path.GetDirectoryName(new FileInfo(Path.Combine(config, "app.conf")).LinkTarget));
    }

    [Fact]
    public async Task BinaryDataAndBinarySecret_WrittenByteForByte()
    {
        var runtime = new TestRuntime();
        await using var agent = await NodeAgent.StartAsync(Client, fixture.Options("node-bin"), runtime, fixture.LoggerFactory, CancellationToken.None);
        byte[] blob = [0xff, 0x00, 0xfe, 0x80];
        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new() { Name = "bin-cm" }, BinaryData = new Dictionary<string, byte[]> { ["blob"] = blob } }, "default");
        await Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new() { Name = "bin-secret" }, Data = new Dictionary<string, byte[]> { ["key.der"] = blob } }, "default");
        await Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "bin" },
            Spec = new V1PodSpec
            {
                NodeName = "node-bin",
                Containers = [new V1Container
                {
                    Name = "app",
                    Image = "img",
                    Command = ["/bin/app"],
                    VolumeMounts = [new V1VolumeMount { Name = "cm", MountPath = "/cm" }, new V1VolumeMount { Name = "secret", MountPath = "/secret" }],
                }],
                Volumes =
                [
                    new V1Volume { Name = "cm", ConfigMap = new V1ConfigMapVolumeSource { Name = "bin-cm" } },
                    new V1Volume { Name = "secret", Secret = new V1SecretVolumeSource { SecretName = "bin-secret" } },
                ],
            },
        }, "default");
        Assert.True(await AgentFixture.EventuallyAsync(() => Task.FromResult(runtime.Started.Contains("app"))));

        var created = runtime.Created.Single();
        Assert.Equal(blob, File.ReadAllBytes(Path.Combine(created.Mounts.Single(m => m.ContainerPath == "/cm").HostPath, "blob")));
        Assert.Equal(blob, File.ReadAllBytes(Path.Combine(created.Mounts.Single(m => m.ContainerPath == "/secret").HostPath, "key.der")));
    }

    [Fact]
    public async Task RootCaOfManyPods_ServedFromTheWatchedCopy_UpdatedWhenTheConfigMapChanges()
    {
        var runtime = new TestRuntime();
        var options = fixture.Options("node-ca") with { ConfigVolumeSyncPeriod = TimeSpan.FromHours(1) };
        await using var agent = await NodeAgent.StartAsync(Client, options, runtime, fixture.LoggerFactory, CancellationToken.None);
        await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new() { Name = "ca-team" } });
        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new() { Name = "kube-root-ca.crt" }, Data = new Dictionary<string, string> { ["ca.crt"] = "ca-1" } }, "ca-team");
        for (var i = 0; i < 3; i++)
        {
            await Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
            {
                Metadata = new V1ObjectMeta { Name = $"ca-{i}" },
                Spec = new V1PodSpec
                {
                    NodeName = "node-ca",
                    Containers = [new V1Container { Name = $"app-{i}", Image = "img", Command = ["/bin/app"], VolumeMounts = [new V1VolumeMount { Name = "api", MountPath = "/run/api" }] }],
                    Volumes = [new V1Volume
                    {
                        Name = "api",
                        Projected = new V1ProjectedVolumeSource { Sources = [new V1VolumeProjection { ConfigMap = new V1ConfigMapProjection { Name = "kube-root-ca.crt" } }] },
                    }],
                },
            }, "ca-team");
        }

        Assert.True(await AgentFixture.EventuallyAsync(() => Task.FromResult(runtime.Created.Count(c => c.Name.StartsWith("app-", StringComparison.Ordinal)) == 3)));
        var dirs = runtime.Created.Where(c => c.Name.StartsWith("app-", StringComparison.Ordinal)).Select(c => c.Mounts.Single(m => m.ContainerPath == "/run/api").HostPath).ToList();
        Assert.All(dirs, d => Assert.Equal("ca-1", File.ReadAllText(Path.Combine(d, "ca.crt"))));

        await Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("{\"data\":{\"ca.crt\":\"ca-2\"}}", V1Patch.PatchType.MergePatch), "kube-root-ca.crt", "ca-team");

        Assert.True(await AgentFixture.EventuallyAsync(() => Task.FromResult(dirs.All(d => File.ReadAllText(Path.Combine(d, "ca.crt")) == "ca-2"))));
    }
}
