using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Capstan.ApiServer.Tests.Integration;

public sealed class ObjectSemanticsTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private Kubernetes Client => fixture.Client;

    private static V1Deployment Deployment(string name, int replicas = 1) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1DeploymentSpec
        {
            Replicas = replicas,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox:1.36" }] },
            },
        },
    };

    [Fact]
    public async Task Deployment_GetsKubernetesDefaults()
    {
        var created = await Client.CreateNamespacedDeploymentAsync(Deployment("defaults"), "default");
        Assert.Equal(1, created.Spec.Replicas);
        Assert.Equal("RollingUpdate", created.Spec.Strategy.Type);
        Assert.Equal("25%", created.Spec.Strategy.RollingUpdate.MaxSurge.Value);
        Assert.Equal(10, created.Spec.RevisionHistoryLimit);
        Assert.Equal(600, created.Spec.ProgressDeadlineSeconds);
        Assert.Equal("Always", created.Spec.Template.Spec.RestartPolicy);
        Assert.Equal(30, created.Spec.Template.Spec.TerminationGracePeriodSeconds);
        Assert.Equal(1, created.Metadata.Generation);
    }

    [Fact]
    public async Task Generation_BumpsOnSpecChangeOnly()
    {
        var created = await Client.CreateNamespacedDeploymentAsync(Deployment("gen"), "default");
        var labelled = await Client.PatchNamespacedDeploymentAsync(new V1Patch("{\"metadata\":{\"labels\":{\"x\":\"y\"}}}", V1Patch.PatchType.MergePatch), "gen", "default");
        Assert.Equal(1, labelled.Metadata.Generation);
        var scaled = await Client.PatchNamespacedDeploymentAsync(new V1Patch("{\"spec\":{\"replicas\":4}}", V1Patch.PatchType.MergePatch), "gen", "default");
        Assert.Equal(2, scaled.Metadata.Generation);
        Assert.NotEqual(created.Metadata.ResourceVersion, scaled.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task StatusSubresource_SplitsSpecAndStatus()
    {
        await Client.CreateNamespacedDeploymentAsync(Deployment("split"), "default");
        var withStatus = await Client.PatchNamespacedDeploymentStatusAsync(
            new V1Patch("{\"status\":{\"replicas\":7},\"spec\":{\"replicas\":9}}", V1Patch.PatchType.MergePatch), "split", "default");
        Assert.Equal(7, withStatus.Status.Replicas);
        Assert.Equal(1, withStatus.Spec.Replicas);

        var mainWrite = await Client.PatchNamespacedDeploymentAsync(
            new V1Patch("{\"status\":{\"replicas\":1},\"spec\":{\"replicas\":2}}", V1Patch.PatchType.MergePatch), "split", "default");
        Assert.Equal(7, mainWrite.Status.Replicas);
        Assert.Equal(2, mainWrite.Spec.Replicas);
    }

    [Fact]
    public async Task ScaleSubresource_ReadsAndWritesReplicas()
    {
        await Client.CreateNamespacedDeploymentAsync(Deployment("scaled", 2), "default");
        var scale = await Client.ReadNamespacedDeploymentScaleAsync("scaled", "default");
        Assert.Equal(2, scale.Spec.Replicas);
        Assert.Equal("app=scaled", scale.Status.Selector);
        await Client.PatchNamespacedDeploymentScaleAsync(new V1Patch("{\"spec\":{\"replicas\":5}}", V1Patch.PatchType.MergePatch), "scaled", "default");
        Assert.Equal(5, (await Client.ReadNamespacedDeploymentAsync("scaled", "default")).Spec.Replicas);
    }

    [Fact]
    public async Task InvalidObject_Is422WithCauses()
    {
        var bad = Deployment("bad");
        bad.Spec.Replicas = -1;
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CreateNamespacedDeploymentAsync(bad, "default"));
        Assert.Equal((HttpStatusCode)422, ex.Response.StatusCode);
        var status = JsonNode.Parse(ex.Response.Content)!;
        Assert.Equal("Invalid", (string?)status["reason"]);
        Assert.Contains(status["details"]!["causes"]!.AsArray(), c => (string?)c!["field"] == "spec.replicas");
    }

    [Fact]
    public async Task Finalizers_HoldDeletionUntilRemoved()
    {
        await Client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "held", Finalizers = ["example.com/hold"] } }, "default");
        await Client.DeleteNamespacedConfigMapAsync("held", "default");
        var deleting = await Client.ReadNamespacedConfigMapAsync("held", "default");
        Assert.NotNull(deleting.Metadata.DeletionTimestamp);
        await Client.PatchNamespacedConfigMapAsync(new V1Patch("{\"metadata\":{\"finalizers\":null}}", V1Patch.PatchType.MergePatch), "held", "default");
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => Client.ReadNamespacedConfigMapAsync("held", "default"));
        Assert.Equal(HttpStatusCode.NotFound, ex.Response.StatusCode);
    }

    [Fact]
    public async Task LabelAndFieldSelectors_FilterLists()
    {
        await Client.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "selectors" } });
        foreach (var (name, tier) in new[] { ("a", "web"), ("b", "db"), ("c", "web") })
        {
            await Client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["tier"] = tier } } }, "selectors");
        }

        var web = await Client.ListNamespacedConfigMapAsync("selectors", labelSelector: "tier=web");
        Assert.Equal(["a", "c"], web.Items.Select(i => i.Metadata.Name));
        var notWeb = await Client.ListNamespacedConfigMapAsync("selectors", labelSelector: "tier notin (web)");
        Assert.Equal(["b"], notWeb.Items.Select(i => i.Metadata.Name));
        var byName = await Client.ListNamespacedConfigMapAsync("selectors", fieldSelector: "metadata.name=c");
        Assert.Equal(["c"], byName.Items.Select(i => i.Metadata.Name));

        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => Client.ListNamespacedConfigMapAsync("selectors", fieldSelector: "spec.nope=1"));
        Assert.Equal(HttpStatusCode.BadRequest, ex.Response.StatusCode);
    }

    [Fact]
    public async Task DryRun_StoresNothing()
    {
        await Client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "dry" } }, "default", dryRun: "All");
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => Client.ReadNamespacedConfigMapAsync("dry", "default"));
        Assert.Equal(HttpStatusCode.NotFound, ex.Response.StatusCode);
    }

    [Fact]
    public async Task StrictFieldValidation_RejectsUnknownFields()
    {
        var body = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"strict\"},\"dataz\":{}}";
        var uri = new Uri(Client.BaseUri, "api/v1/namespaces/default/configmaps?fieldValidation=Strict");
        using var response = await Client.HttpClient.PostAsync(uri, new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("strict decoding error: unknown field \\\"dataz\\\"", await response.Content.ReadAsStringAsync());

        uri = new Uri(Client.BaseUri, "api/v1/namespaces/default/configmaps?fieldValidation=Warn");
        using var warned = await Client.HttpClient.PostAsync(uri, new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, warned.StatusCode);
        Assert.Contains("unknown field", string.Join(" ", warned.Headers.GetValues("Warning")));
    }

    [Fact]
    public async Task ServerSideApply_ConflictsBetweenManagers()
    {
        // The official client sends apply configurations as JSON, which is YAML too.
        var yaml = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"ssa\"},\"data\":{\"k\":\"one\"}}";
        await Client.PatchNamespacedConfigMapAsync(new V1Patch(yaml, V1Patch.PatchType.ApplyPatch), "ssa", "default", fieldManager: "alice");
        var other = yaml.Replace("one", "two");
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() =>
            Client.PatchNamespacedConfigMapAsync(new V1Patch(other, V1Patch.PatchType.ApplyPatch), "ssa", "default", fieldManager: "bob"));
        Assert.Equal(HttpStatusCode.Conflict, ex.Response.StatusCode);
        var forced = await Client.PatchNamespacedConfigMapAsync(new V1Patch(other, V1Patch.PatchType.ApplyPatch), "ssa", "default", fieldManager: "bob", force: true);
        Assert.Equal("two", forced.Data["k"]);
        Assert.Contains(forced.Metadata.ManagedFields, m => m.Manager == "bob" && m.Operation == "Apply");
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Watch_FromRevisionOlderThanTheCacheWindow_IsGone()
    {
        // The watch cache keeps a window of 4096 events per resource; push the first revisions out of it.
        await Client.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "window" } });
        var first = await Client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "first" } }, "window");
        await Parallel.ForAsync(0, 4200, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
            await Client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = $"c{i}" } }, "window", cancellationToken: ct));

        var uri = new Uri(Client.BaseUri, $"api/v1/namespaces/window/configmaps?watch=true&timeoutSeconds=5&resourceVersion={first.Metadata.ResourceVersion}");
        using var response = await Client.HttpClient.GetAsync(uri);
        Assert.Equal(HttpStatusCode.Gone, response.StatusCode);
        Assert.Contains("\"reason\":\"Expired\"", await response.Content.ReadAsStringAsync());
    }
}
