using Capstan.Agent.Tests.Support;
using k8s;
using k8s.Models;

namespace Capstan.Agent.Tests.Volumes;

[Trait("Category", "Slow")]
public sealed class PodVolumesTests(AgentFixture fixture) : IClassFixture<AgentFixture>
{
    private Kubernetes Client => fixture.Client;

    [Fact]
    public async Task ConfigMapSecretDownwardAndEmptyDirVolumes_WrittenAndMounted()
    {
        var runtime = new TestRuntime();
        var options = fixture.Options("node-vol");
        await using var agent = await NodeAgent.StartAsync(Client, options, runtime, fixture.LoggerFactory, CancellationToken.None);
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "vol", Labels = new Dictionary<string, string> { ["app"] = "vol" } },
            Spec = new V1PodSpec
            {
                NodeName = "node-vol",
                Containers =
                [
                    new V1Container
                    {
                        Name = "app",
                        Image = "img",
                        Command = ["/bin/app"],
                        VolumeMounts =
                        [
                            new V1VolumeMount { Name = "config", MountPath = "/etc/config" },
                            new V1VolumeMount { Name = "creds", MountPath = "/etc/creds" },
                            new V1VolumeMount { Name = "info", MountPath = "/etc/info" },
                            new V1VolumeMount { Name = "scratch", MountPath = "/scratch" },
                        ],
                    },
                ],
                Volumes =
                [
                    new V1Volume { Name = "config", ConfigMap = new V1ConfigMapVolumeSource { Name = "vol-cm", Items = [new V1KeyToPath { Key = "a", Path = "sub/a.txt" }] } },
                    new V1Volume { Name = "creds", Secret = new V1SecretVolumeSource { SecretName = "vol-secret", DefaultMode = 0b110_000_000 } },
                    new V1Volume { Name = "info", DownwardAPI = new V1DownwardAPIVolumeSource { Items = [new V1DownwardAPIVolumeFile { Path = "labels", FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.labels" } }] } },
                    new V1Volume { Name = "scratch", EmptyDir = new V1EmptyDirVolumeSource() },
                ],
            },
        };
        await Client.CoreV1.CreateNamespacedPodAsync(pod, "default");

        // Without its ConfigMap the pod waits in ContainerCreating with a FailedMount event.
        Assert.True(await AgentFixture.EventuallyAsync(async () =>
            (await Client.CoreV1.ListNamespacedEventAsync("default")).Items.Any(e => e.InvolvedObject.Name == "vol" && e.Reason == "FailedMount"
                && e.Message == "MountVolume.SetUp failed for volume \"config\" : configmap \"vol-cm\" not found")));
        Assert.Empty(runtime.Started);

        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "vol-cm" }, Data = new Dictionary<string, string> { ["a"] = "alpha", ["b"] = "beta" } }, "default");
        await Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "vol-secret" }, StringData = new Dictionary<string, string> { ["password"] = "pw" } }, "default");
        Assert.True(await AgentFixture.EventuallyAsync(() => Task.FromResult(runtime.Started.Contains("app"))));

        var created = runtime.Created.Single();
        var config = Assert.Single(created.Mounts, m => m.ContainerPath == "/etc/config");
        Assert.True(config.ReadOnly);
        Assert.Equal("alpha", File.ReadAllText(Path.Combine(config.HostPath, "sub", "a.txt")));
        Assert.False(File.Exists(Path.Combine(config.HostPath, "b")));
        var creds = created.Mounts.Single(m => m.ContainerPath == "/etc/creds");
        Assert.Equal("pw", File.ReadAllText(Path.Combine(creds.HostPath, "password")));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(creds.HostPath, "password")));
        }

        var info = created.Mounts.Single(m => m.ContainerPath == "/etc/info");
        Assert.Equal("app=\"vol\"", File.ReadAllText(Path.Combine(info.HostPath, "labels")));
        var scratch = created.Mounts.Single(m => m.ContainerPath == "/scratch");
        Assert.False(scratch.ReadOnly);
        var uid = (await Client.CoreV1.ReadNamespacedPodAsync("vol", "default")).Metadata.Uid;
        Assert.Equal(Path.Combine(options.DataDir, "pods", uid, "volumes", "kubernetes.io~empty-dir", "scratch"), scratch.HostPath);
        Assert.True(Directory.Exists(scratch.HostPath));
    }
}
