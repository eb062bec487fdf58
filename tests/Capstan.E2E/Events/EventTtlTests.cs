using Capstan.E2E.Infrastructure;

namespace Capstan.E2E.Events;

/// <summary>A server that keeps Events 3 seconds after their last write (`--event-ttl 3s`).</summary>
public sealed class ShortEventTtlServer : CapstanServerFixture
{
    protected override IEnumerable<string> ServerArguments() => ["--disable-agent", "--event-ttl", "3s"];
}

/// <summary>`--event-ttl`: Events expire after their last write, as kube-apiserver's do; other objects are untouched.</summary>
[Trait("Category", "Slow")]
public sealed class EventTtlTests(ShortEventTtlServer server) : ServerTest(server), IClassFixture<ShortEventTtlServer>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Event_PastItsTtl_IsDeletedAndWatchersSeeIt()
    {
        var ns = await Server.CreateNamespaceAsync();
        (await Kubectl.RunAsync("create", "configmap", "stays", "-n", ns)).EnsureSuccess();
        await using var watch = Kubectl.StartBackground("get", "events", "-n", ns, "-w", "--output-watch-events");
        var now = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        (await Kubectl.RunAsync("create", "-n", ns, "-f", Server.ManifestFile($$"""
            apiVersion: v1
            kind: Event
            metadata:
              name: short-lived
            involvedObject:
              kind: ConfigMap
              name: stays
              namespace: {{ns}}
            reason: Testing
            message: expires three seconds after its last write
            type: Normal
            firstTimestamp: "{{now}}"
            lastTimestamp: "{{now}}"
            count: 1
            source:
              component: e2e
            """))).EnsureSuccess();
        (await Kubectl.RunAsync("get", "event", "short-lived", "-n", ns)).EnsureSuccess();

        var deadline = DateTime.UtcNow + Bound;
        KubectlResult get;
        do
        {
            await Task.Delay(500);
            get = await Kubectl.RunAsync("get", "event", "short-lived", "-n", ns);
        }
        while (get.ExitCode == 0 && DateTime.UtcNow < deadline);

        Assert.NotEqual(0, get.ExitCode);
        Assert.Contains("NotFound", get.Stderr);
        (await Kubectl.RunAsync("get", "configmap", "stays", "-n", ns)).EnsureSuccess();
        Assert.True(await watch.WaitForAsync(o => o.Contains("DELETED", StringComparison.Ordinal), Bound), "the watch saw no DELETED: " + watch.Stdout + watch.Stderr);
        Assert.Contains("ADDED", watch.Stdout);
    }

    [Fact]
    public async Task EventTtl_NotAPositiveDuration_ServerRefusesToStart()
    {
        var output = await CapstanProcess.RunAsync("server", "--data-dir", Path.Combine(Path.GetTempPath(), "capstan-e2e-ttl-" + Guid.NewGuid().ToString("N")[..8]), "--event-ttl", "0s");

        Assert.Contains("--event-ttl 0s is not a positive duration such as 1h", output);
    }
}
