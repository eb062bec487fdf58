using Capstan.E2E.Infrastructure;

namespace Capstan.E2E.Lifecycle;

/// <summary>Finalizers with `delete --wait`, `kubectl wait`, and paged lists (`--chunk-size`).</summary>
[Trait("Category", "Slow")]
public sealed class LifecycleTests(CapstanServerFixture server) : ServerTest(server), IClassFixture<CapstanServerFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task DeleteWait_Finalizer_BlocksUntilRemoved()
    {
        var ns = await Server.CreateNamespaceAsync();
        const string manifest = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: held
              finalizers: ["e2e.capstan.io/hold"]
            data:
              a: b
            """;
        (await Kubectl.RunAsync("apply", "-n", ns, "-f", Server.ManifestFile(manifest))).EnsureSuccess();

        await using var delete = Kubectl.StartBackground("delete", "-n", ns, "configmap", "held", "--wait", "--timeout=60s");
        string deletionTimestamp = "";
        var deadline = DateTime.UtcNow + Bound;
        while (deletionTimestamp.Length == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
            deletionTimestamp = (await Kubectl.RunAsync("get", "-n", ns, "configmap", "held", "-o", "jsonpath={.metadata.deletionTimestamp}")).EnsureSuccess().Stdout;
        }

        Assert.NotEqual("", deletionTimestamp);
        Assert.False(delete.HasExited, "kubectl delete --wait returned while the finalizer was still there: " + delete.Stdout + delete.Stderr);

        (await Kubectl.RunAsync("patch", "-n", ns, "configmap", "held", "--type=json", "-p", """[{"op":"remove","path":"/metadata/finalizers"}]""")).EnsureSuccess();

        Assert.Equal(0, await delete.WaitForExitAsync(Bound));
        Assert.Contains("configmap \"held\" deleted", delete.Stdout);
        Assert.Contains("configmaps \"held\" not found", (await Kubectl.RunAsync("get", "-n", ns, "configmap", "held")).Stderr);
    }

    [Fact]
    public async Task Wait_ForJsonPath_MetWhenChanged()
    {
        var ns = await Server.CreateNamespaceAsync();
        (await Kubectl.RunAsync("apply", "-n", ns, "-f", Server.ManifestFile(Manifests.ConfigMap("flag", value: "off")))).EnsureSuccess();

        await using var wait = Kubectl.StartBackground("wait", "-n", ns, "--for=jsonpath={.data.a}=on", "configmap/flag", "--timeout=60s");
        (await Kubectl.RunAsync("patch", "-n", ns, "configmap", "flag", "--type=merge", "-p", """{"data":{"a":"on"}}""")).EnsureSuccess();

        Assert.Equal(0, await wait.WaitForExitAsync(Bound));
        Assert.Contains("configmap/flag condition met", wait.Stdout);
    }

    [Fact]
    public async Task Get_ChunkSize_AllPagesListed()
    {
        var ns = await Server.CreateNamespaceAsync();
        var manifest = string.Join("\n---\n", Enumerable.Range(1, 7).Select(i => Manifests.ConfigMap($"page-{i}")));
        (await Kubectl.RunAsync("apply", "-n", ns, "-f", Server.ManifestFile(manifest))).EnsureSuccess();

        var paged = (await Kubectl.RunAsync("get", "-n", ns, "configmaps", "--chunk-size=2", "-o", "name")).EnsureSuccess();
        // kube-root-ca.crt, which every namespace gets (as in Kubernetes), is not the test's.
        Assert.Equal(Enumerable.Range(1, 7).Select(i => $"configmap/page-{i}"), paged.Lines.Where(l => l != "configmap/kube-root-ca.crt").Order());

        var table = (await Kubectl.RunAsync("get", "-n", ns, "configmaps", "--chunk-size=3")).EnsureSuccess();
        Assert.Single(table.Lines, l => l.StartsWith("NAME", StringComparison.Ordinal));
        Assert.Equal(8, table.Lines.Count(l => !l.StartsWith("kube-root-ca.crt", StringComparison.Ordinal)));

        var raw = (await Kubectl.RunAsync("get", "--raw", $"/api/v1/namespaces/{ns}/configmaps?limit=3")).EnsureSuccess();
        Assert.Contains("\"continue\":\"", raw.Stdout);
    }

    [Fact]
    public async Task Get_CustomColumnsSortBy_Ordered()
    {
        var ns = await Server.CreateNamespaceAsync();
        var manifest = string.Join("\n---\n", new[] { "charlie", "alpha", "bravo" }.Select(n => Manifests.ConfigMap(n, value: n.ToUpperInvariant())));
        (await Kubectl.RunAsync("apply", "-n", ns, "-f", Server.ManifestFile(manifest))).EnsureSuccess();

        var result = (await Kubectl.RunAsync("get", "-n", ns, "configmaps", "--sort-by=.metadata.name", "-o", "custom-columns=NAME:.metadata.name,VALUE:.data.a")).EnsureSuccess();

        Assert.Equal(
            ["NAME VALUE", "alpha ALPHA", "bravo BRAVO", "charlie CHARLIE"],
            result.Lines.Where(l => !l.StartsWith("kube-root-ca.crt", StringComparison.Ordinal)).Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries))));
    }

    [Fact]
    public async Task GetRaw_ExactFutureResourceVersion_TooLargeNot500()
    {
        var ns = await Server.CreateNamespaceAsync();

        var exact = await Kubectl.RunAsync("get", "--raw", $"/api/v1/namespaces/{ns}/configmaps?resourceVersion=99999999&resourceVersionMatch=Exact");
        Assert.NotEqual(0, exact.ExitCode);
        Assert.Contains("Error from server (Timeout): Too large resource version: 99999999", exact.Stderr);

        var notOlder = await Kubectl.RunAsync("get", "--raw", $"/api/v1/namespaces/{ns}/configmaps?resourceVersion=99999999");
        Assert.NotEqual(0, notOlder.ExitCode);
        Assert.Contains("Too large resource version: 99999999", notOlder.Stderr);

        var badToken = await Kubectl.RunAsync("get", "--raw", $"/api/v1/namespaces/{ns}/configmaps?limit=1&continue=garbage");
        Assert.Contains("Error from server (BadRequest): continue key is not valid", badToken.Stderr);
    }
}
