using System.Text.RegularExpressions;
using Capstan.E2E.Infrastructure;

namespace Capstan.E2E.Discovery;

/// <summary>`explain`, `api-resources`, `api-versions` and `auth`, which read discovery, OpenAPI and the review APIs.</summary>
[Trait("Category", "Slow")]
public sealed class DiscoveryTests(CapstanServerFixture server) : ServerTest(server), IClassFixture<CapstanServerFixture>
{
    [Fact]
    public async Task Explain_Field_TypeAndDescription()
    {
        var result = (await Kubectl.RunAsync("explain", "deployment.spec.replicas")).EnsureSuccess();

        Assert.Contains("GROUP:      apps", result.Lines);
        Assert.Contains("KIND:       Deployment", result.Lines);
        Assert.Contains("VERSION:    v1", result.Lines);
        Assert.Contains("FIELD: replicas <integer>", result.Lines);
        Assert.Contains("DESCRIPTION:", result.Lines);
        Assert.Contains("Number of desired pods.", result.Stdout);
    }

    [Fact]
    public async Task Explain_Kind_DescriptionAndFields()
    {
        var result = (await Kubectl.RunAsync("explain", "pods")).EnsureSuccess();

        Assert.Contains("KIND:       Pod", result.Lines);
        Assert.Contains("VERSION:    v1", result.Lines);
        Assert.Contains("DESCRIPTION:", result.Lines);
        Assert.Contains("Pod is a collection of containers", result.Stdout);
        Assert.Contains("FIELDS:", result.Lines);
        Assert.Contains(result.Lines, l => Regex.IsMatch(l, @"^  spec\t<PodSpec>$"));
        Assert.Contains(result.Lines, l => Regex.IsMatch(l, @"^  metadata\t<ObjectMeta>$"));

        var nested = (await Kubectl.RunAsync("explain", "pod.spec.containers.image")).EnsureSuccess();
        Assert.Contains("FIELD: image <string>", nested.Lines);

        var unknown = await Kubectl.RunAsync("explain", "deployment.spec.replicaz");
        Assert.NotEqual(0, unknown.ExitCode);
        Assert.Contains("field \"replicaz\" does not exist", unknown.Stderr);
    }

    [Fact]
    public async Task ApiResources_ListsDeploymentsWithShortNameAndGroup()
    {
        var result = (await Kubectl.RunAsync("api-resources")).EnsureSuccess();

        Assert.Equal(["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"], Regex.Split(result.Lines[0].Trim(), @"\s+"));
        Assert.Contains(result.Lines, l => Regex.IsMatch(l, @"^deployments\s+deploy\s+apps/v1\s+true\s+Deployment$"));
        Assert.Contains(result.Lines, l => Regex.IsMatch(l, @"^namespaces\s+ns\s+v1\s+false\s+Namespace$"));
        Assert.Contains(result.Lines, l => Regex.IsMatch(l, @"^configmaps\s+cm\s+v1\s+true\s+ConfigMap$"));

        var apps = (await Kubectl.RunAsync("api-resources", "--api-group=apps", "-o", "name")).EnsureSuccess();
        Assert.Contains("deployments.apps", apps.Lines);
        Assert.DoesNotContain("configmaps", apps.Lines);

        var byShortName = (await Kubectl.RunAsync("get", "deploy", "-A", "-o", "name")).EnsureSuccess();
        Assert.Equal(0, byShortName.ExitCode);
    }

    [Fact]
    public async Task ApiVersions_CoreAndGroups()
    {
        var result = (await Kubectl.RunAsync("api-versions")).EnsureSuccess();

        Assert.Contains("v1", result.Lines);
        Assert.Contains("apps/v1", result.Lines);
        Assert.Contains("batch/v1", result.Lines);
        Assert.Contains("rbac.authorization.k8s.io/v1", result.Lines);
    }

    [Fact]
    public async Task Version_ServerAnswers()
    {
        var result = (await Kubectl.RunAsync("version")).EnsureSuccess();

        Assert.Contains(result.Lines, l => l.StartsWith("Server Version: v1.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AuthCanI_Admin_Yes()
    {
        var result = (await Kubectl.RunAsync("auth", "can-i", "create", "deployments")).EnsureSuccess();

        Assert.Equal(["yes"], result.Lines);
    }

    [Fact]
    public async Task AuthWhoAmI_Admin_SystemAdmin()
    {
        var result = (await Kubectl.RunAsync("auth", "whoami")).EnsureSuccess();

        Assert.Contains(result.Lines, l => Regex.IsMatch(l, @"^Username\s+system:admin$"));
        Assert.Contains(result.Lines, l => l.Contains("system:masters", StringComparison.Ordinal));
    }
}
