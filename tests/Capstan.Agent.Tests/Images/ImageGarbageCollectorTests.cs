using Capstan.Agent.Images;
using Capstan.Agent.Runtime;
using Capstan.Agent.Tests.Support;

namespace Capstan.Agent.Tests.Images;

public sealed class ImageGarbageCollectorTests
{
    private sealed class ManualTime : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static ContainerConfig Config(string image, string imageRef) =>
        new("c", 0, image, ["/bin/true"], [], null, [], ContainerResources.None, "/dev/null", false, false, false, new Dictionary<string, string>()) { ImageRef = imageRef };

    [Fact]
    public async Task CollectAsync_AboveHighThreshold_RemovesUnusedLeastRecentlyUsedFirst_DownToLow()
    {
        var runtime = new TestRuntime();
        var images = new TestImageService();
        var time = new ManualTime();
        var puller = new ImagePuller(images, (_, _) => Task.FromResult(new DockerKeyring()), time);
        foreach (var name in new[] { "old:1", "newer:1", "used:1", "capstan.io/pause:3.10" })
        {
            images.Add(name, size: 50);
        }

        var sandbox = await runtime.RunPodSandboxAsync(new PodSandboxConfig("default", "p", "u", 0, "p", "/tmp", new Dictionary<string, string>()), CancellationToken.None);
        await runtime.CreateContainerAsync(sandbox.Id, Config("used:1", TestImageService.IdOf("used:1")), CancellationToken.None);
        var pod = new k8s.Models.V1Pod { Metadata = new() { Uid = "u" }, Spec = new() };
        await puller.EnsureAsync(pod, new() { Name = "c", Image = "old:1" }, (_, _, _) => { }, CancellationToken.None);
        time.Now += TimeSpan.FromMinutes(1);
        await puller.EnsureAsync(pod, new() { Name = "c", Image = "newer:1" }, (_, _, _) => { }, CancellationToken.None);

        // 1000 bytes of disk, 900 used: above 85 %; down to 80 % frees 100 bytes, two images of 50.
        var gc = new ImageGarbageCollector(runtime, images, puller, 85, 80, time, TimeSpan.FromMinutes(2), _ => (1000, 100));
        Assert.Empty(await gc.CollectAsync(CancellationToken.None)); // nothing is old enough yet
        time.Now += TimeSpan.FromMinutes(5);
        var removed = await gc.CollectAsync(CancellationToken.None);

        Assert.Equal([TestImageService.IdOf("old:1"), TestImageService.IdOf("newer:1")], removed);
        Assert.NotNull(await images.ImageStatusAsync("used:1", CancellationToken.None));
        Assert.NotNull(await images.ImageStatusAsync("capstan.io/pause:3.10", CancellationToken.None));
    }

    [Fact]
    public async Task CollectAsync_BelowHighThreshold_RemovesNothing()
    {
        var images = new TestImageService();
        images.Add("old:1");
        var time = new ManualTime();
        var gc = new ImageGarbageCollector(new TestRuntime(), images, null, 85, 80, time, TimeSpan.Zero, _ => (1000, 500));

        Assert.Empty(await gc.CollectAsync(CancellationToken.None));
    }
}
