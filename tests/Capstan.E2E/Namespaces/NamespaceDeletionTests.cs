using Capstan.E2E.Infrastructure;

namespace Capstan.E2E.Namespaces;

/// <summary>`kubectl delete namespace`: Terminating first, then gone with everything in it (the namespace controller's job).</summary>
[Trait("Category", "Slow")]
public sealed class NamespaceDeletionTests(CapstanServerFixture server) : ServerTest(server), IClassFixture<CapstanServerFixture>
{
    private static readonly TimeSpan FinishWithin = TimeSpan.FromSeconds(60);

    private async Task<string> NamespaceWithObjectsAsync()
    {
        var ns = await Server.CreateNamespaceAsync("doomed");
        (await Kubectl.RunAsync("apply", "-n", ns, "-f", Server.ManifestFile(Manifests.WebApp()))).EnsureSuccess();
        return ns;
    }

    [Fact]
    public async Task DeleteNamespace_WithObjects_GoesTerminating()
    {
        var ns = await NamespaceWithObjectsAsync();

        // A finalizer holds one object, so the namespace stays Terminating long enough to look at.
        (await Kubectl.RunAsync("patch", "-n", ns, "configmap", "web-config", "--type=merge", "-p", """{"metadata":{"finalizers":["example.com/hold"]}}""")).EnsureSuccess();
        var delete = (await Kubectl.RunAsync("delete", "namespace", ns, "--wait=false")).EnsureSuccess();

        Assert.Equal([$"namespace \"{ns}\" deleted"], delete.Lines);
        var phase = await Kubectl.RunAsync("get", "namespace", ns, "-o", "jsonpath={.status.phase}");
        Assert.Equal("Terminating", phase.Stdout);
        var create = await Kubectl.RunAsync("apply", "-n", ns, "-f", Server.ManifestFile(Manifests.ConfigMap("late")));
        Assert.NotEqual(0, create.ExitCode);
        Assert.Contains("Forbidden", create.Stderr);
        Assert.Contains("because it is being terminated", create.Stderr);

        (await Kubectl.RunAsync("patch", "-n", ns, "configmap", "web-config", "--type=merge", "-p", """{"metadata":{"finalizers":null}}""")).EnsureSuccess();
    }

    [Fact]
    public async Task DeleteNamespace_WithObjects_NamespaceAndContentsDisappear()
    {
        var ns = await NamespaceWithObjectsAsync();

        (await Kubectl.RunAsync("delete", "namespace", ns, "--wait=false")).EnsureSuccess();

        var deadline = DateTime.UtcNow + FinishWithin;
        KubectlResult get;
        KubectlResult contents;
        do
        {
            await Task.Delay(500);
            get = await Kubectl.RunAsync("get", "namespace", ns);
            contents = await Kubectl.RunAsync("get", "-n", ns, "configmaps,secrets,deployments,services", "-o", "name");
        }
        while ((get.ExitCode == 0 || contents.Stdout.Trim().Length > 0) && DateTime.UtcNow < deadline);

        Assert.Contains($"Error from server (NotFound): namespaces \"{ns}\" not found", get.Stderr);
        Assert.Equal("", contents.Stdout.Trim());
    }
}
