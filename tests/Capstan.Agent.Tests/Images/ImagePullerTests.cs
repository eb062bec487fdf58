using Capstan.Agent.Images;
using Capstan.Agent.Tests.Support;
using k8s.Models;

namespace Capstan.Agent.Tests.Images;

public sealed class ImagePullerTests
{
    private sealed class ManualTime : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static V1Pod Pod() => new() { Metadata = new V1ObjectMeta { Name = "p", NamespaceProperty = "default", Uid = "uid-1" }, Spec = new V1PodSpec() };

    private static V1Container Container(string image, string? policy = null) => new() { Name = "c", Image = image, ImagePullPolicy = policy };

    private static (ImagePuller Puller, TestImageService Images, ManualTime Time) Make()
    {
        var images = new TestImageService();
        var time = new ManualTime();
        return (new ImagePuller(images, (_, _) => Task.FromResult(new DockerKeyring()), time), images, time);
    }

    [Fact]
    public async Task EnsureAsync_NeverAndAbsent_ErrImageNeverPull()
    {
        var (puller, images, _) = Make();
        var events = new List<string>();

        var result = await puller.EnsureAsync(Pod(), Container("app:1", "Never"), (_, reason, message) => events.Add($"{reason}: {message}"), CancellationToken.None);

        Assert.Equal(ImagePullResult.ErrImageNeverPull, result.Reason);
        Assert.Equal("Container image \"app:1\" is not present with pull policy of Never", result.Message);
        Assert.Equal(["ErrImageNeverPull: Container image \"app:1\" is not present with pull policy of Never"], events);
        Assert.Empty(images.Pulls);
    }

    [Fact]
    public async Task EnsureAsync_IfNotPresentAndPresent_NoPull()
    {
        var (puller, images, _) = Make();
        images.Add("app:1");
        var events = new List<string>();

        var result = await puller.EnsureAsync(Pod(), Container("app:1"), (_, reason, message) => events.Add($"{reason}: {message}"), CancellationToken.None);

        Assert.Equal(TestImageService.IdOf("app:1"), result.ImageRef);
        Assert.Equal(["Pulled: Container image \"app:1\" already present on machine"], events);
        Assert.Empty(images.Pulls);
    }

    [Fact]
    public async Task EnsureAsync_LatestPresent_PullsAnyway()
    {
        var (puller, images, _) = Make();
        images.Add("app:latest");
        var events = new List<string>();

        var result = await puller.EnsureAsync(Pod(), Container("app:latest"), (_, reason, _) => events.Add(reason), CancellationToken.None);

        Assert.True(result.Ok);
        Assert.Single(images.Pulls);
        Assert.Equal(["Pulling", "Pulled"], events);
    }

    [Fact]
    public async Task EnsureAsync_PullFails_ErrImagePullThenBackOffDoubling()
    {
        var (puller, images, time) = Make();
        images.FailPull = _ => "not found";
        var container = Container("app:1");
        Task<ImagePullResult> Ensure() => puller.EnsureAsync(Pod(), container, (_, _, _) => { }, CancellationToken.None);

        var first = await Ensure();
        var during = await Ensure();
        time.Now += TimeSpan.FromSeconds(10);
        var second = await Ensure();
        time.Now += TimeSpan.FromSeconds(10);
        var stillBackingOff = await Ensure();

        Assert.Equal((ImagePullResult.ErrImagePull, TimeSpan.FromSeconds(10)), (first.Reason, first.RetryAfter));
        Assert.Equal(ImagePullResult.ImagePullBackOff, during.Reason);
        Assert.Equal("Back-off pulling image \"app:1\"", during.Message);
        Assert.Equal((ImagePullResult.ErrImagePull, TimeSpan.FromSeconds(20)), (second.Reason, second.RetryAfter));
        Assert.Equal(ImagePullResult.ImagePullBackOff, stillBackingOff.Reason);
        Assert.Equal(2, images.Pulls.Count);

        images.FailPull = _ => null;
        time.Now += TimeSpan.FromSeconds(10);
        Assert.True((await Ensure()).Ok);
    }

    [Fact]
    public async Task EnsureAsync_PullSecretForRegistry_PassesCredentials()
    {
        var images = new TestImageService();
        var keyring = new DockerKeyring();
        keyring.Add(new Dictionary<string, string> { [".dockerconfigjson"] = """{"auths":{"127.0.0.1:5000":{"username":"u","password":"p"}}}""" });
        var puller = new ImagePuller(images, (_, _) => Task.FromResult(keyring), TimeProvider.System);

        await puller.EnsureAsync(Pod(), Container("127.0.0.1:5000/app:1"), (_, _, _) => { }, CancellationToken.None);

        Assert.Equal("u", Assert.Single(images.Pulls).Auth?.Username);
    }
}
