using Capstan.E2E.Infrastructure;

namespace Capstan.E2E.Describe;

/// <summary>`kubectl describe` of a deployment, a configmap and a namespace.</summary>
[Trait("Category", "Slow")]
public sealed class DescribeTests(CapstanServerFixture server) : ServerTest(server), IClassFixture<CapstanServerFixture>
{
    private async Task<string> NamespaceWithWebAppAsync()
    {
        var ns = await Server.CreateNamespaceAsync();
        (await Kubectl.RunAsync("apply", "-n", ns, "-f", Server.ManifestFile(Manifests.WebApp(replicas: 2)))).EnsureSuccess();
        return ns;
    }

    private static string Field(KubectlResult result, string name) =>
        result.Lines.Single(l => l.StartsWith(name + ":", StringComparison.Ordinal))[(name.Length + 1)..].Trim();

    [Fact]
    public async Task Describe_Deployment_SpecAndContainers()
    {
        var ns = await NamespaceWithWebAppAsync();

        var result = (await Kubectl.RunAsync("describe", "-n", ns, "deployment", "web")).EnsureSuccess();

        Assert.Equal("web", Field(result, "Name"));
        Assert.Equal(ns, Field(result, "Namespace"));
        Assert.Equal("app=web", Field(result, "Labels"));
        Assert.Equal("app=web", Field(result, "Selector"));
        Assert.StartsWith("2 desired |", Field(result, "Replicas"), StringComparison.Ordinal);
        Assert.Contains("  Containers:", result.Lines);
        Assert.Contains("   web:", result.Lines);
        Assert.Contains("   sidecar:", result.Lines);
        Assert.Contains(result.Lines, l => l.Trim().StartsWith("Image:", StringComparison.Ordinal) && l.Trim().EndsWith("nginx:1.25", StringComparison.Ordinal));
        Assert.Contains(result.Lines, l => l.Trim().StartsWith("Image:", StringComparison.Ordinal) && l.Trim().EndsWith("busybox:1.36", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Describe_Deployment_DefaultStrategy()
    {
        var ns = await NamespaceWithWebAppAsync();

        var result = (await Kubectl.RunAsync("describe", "-n", ns, "deployment", "web")).EnsureSuccess();

        Assert.Equal("RollingUpdate", Field(result, "StrategyType"));
        Assert.Equal("25% max unavailable, 25% max surge", Field(result, "RollingUpdateStrategy"));
    }

    [Fact]
    public async Task Describe_ConfigMap_Data()
    {
        var ns = await NamespaceWithWebAppAsync();

        var result = (await Kubectl.RunAsync("describe", "-n", ns, "configmap", "web-config")).EnsureSuccess();

        Assert.Equal("web-config", Field(result, "Name"));
        Assert.Equal(ns, Field(result, "Namespace"));
        var lines = result.Lines.ToList();
        var data = lines.IndexOf("Data");
        Assert.True(data >= 0, result.Stdout);
        Assert.Equal(["====", "greeting:", "----", "hello"], lines.Skip(data + 1).Take(4));
    }

    [Fact]
    public async Task Describe_Namespace_NameQuotaLimits()
    {
        var ns = await Server.CreateNamespaceAsync();

        var result = (await Kubectl.RunAsync("describe", "namespace", ns)).EnsureSuccess();

        Assert.Equal(ns, Field(result, "Name"));
        Assert.Contains("No resource quota.", result.Lines);
        Assert.Contains("No LimitRange resource.", result.Lines);
    }

    [Fact]
    public async Task Describe_Namespace_StatusActive()
    {
        var ns = await Server.CreateNamespaceAsync();

        var result = (await Kubectl.RunAsync("describe", "namespace", ns)).EnsureSuccess();

        Assert.Equal("Active", Field(result, "Status"));
        Assert.Equal($"kubernetes.io/metadata.name={ns}", Field(result, "Labels"));
    }
}
