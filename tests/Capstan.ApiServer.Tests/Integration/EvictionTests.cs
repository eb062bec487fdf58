using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Capstan.ApiServer.Tests.Integration;

/// <summary>pods/eviction against PodDisruptionBudgets whose status the tests write themselves (the controller manager is off here).</summary>
public sealed class EvictionTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private Kubernetes Client => fixture.Client;

    [Fact]
    public async Task Evict_BudgetExhausted_429WithCause()
    {
        const string ns = "evict-refused";
        await SetUpAsync(ns, "web", allowed: 0, currentHealthy: 2, desiredHealthy: 2);

        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => EvictAsync(ns, "web-0"));

        Assert.Equal((HttpStatusCode)429, ex.Response.StatusCode);
        var status = JsonNode.Parse(ex.Response.Content)!;
        Assert.Equal("TooManyRequests", status["reason"]!.GetValue<string>());
        Assert.Equal("Cannot evict pod as it would violate the pod's disruption budget.", status["message"]!.GetValue<string>());
        var cause = status["details"]!["causes"]![0]!;
        Assert.Equal("DisruptionBudget", cause["reason"]!.GetValue<string>());
        Assert.Equal("The disruption budget web needs 2 healthy pods and has 2 currently", cause["message"]!.GetValue<string>());
        Assert.Null((await Client.ReadNamespacedPodAsync("web-0", ns)).Metadata.DeletionTimestamp);
    }

    [Fact]
    public async Task Evict_BudgetAllows_201SpendsItAndDeletes()
    {
        const string ns = "evict-allowed";
        await SetUpAsync(ns, "web", allowed: 1, currentHealthy: 2, desiredHealthy: 1);

        await EvictAsync(ns, "web-0");

        Assert.Empty((await Client.ListNamespacedPodAsync(ns, fieldSelector: "metadata.name=web-0")).Items);
        var pdb = await Client.ReadNamespacedPodDisruptionBudgetAsync("web", ns);
        Assert.Equal(0, pdb.Status.DisruptionsAllowed);
        Assert.True(pdb.Status.DisruptedPods.ContainsKey("web-0"));

        // The budget is spent: the next eviction is refused.
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => EvictAsync(ns, "web-1"));
        Assert.Equal((HttpStatusCode)429, ex.Response.StatusCode);
    }

    [Fact]
    public async Task Evict_BudgetNotObservedYet_429()
    {
        const string ns = "evict-stale";
        await SetUpAsync(ns, "web", allowed: 5, currentHealthy: 2, desiredHealthy: 1, observedGeneration: 0);

        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => EvictAsync(ns, "web-0"));

        Assert.Equal((HttpStatusCode)429, ex.Response.StatusCode);
        Assert.Contains("is still being processed by the server", ex.Response.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evict_TwoBudgets_500()
    {
        const string ns = "evict-two";
        await SetUpAsync(ns, "web", allowed: 1, currentHealthy: 2, desiredHealthy: 1);
        await CreateBudgetAsync(ns, "web-too", allowed: 1, currentHealthy: 2, desiredHealthy: 1, observedGeneration: 1);

        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => EvictAsync(ns, "web-0"));

        Assert.Equal(HttpStatusCode.InternalServerError, ex.Response.StatusCode);
        Assert.Contains("This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.", ex.Response.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evict_NoBudget_Deletes()
    {
        const string ns = "evict-free";
        await Client.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        await CreateRunningPodAsync(ns, "lonely", ready: true);

        await EvictAsync(ns, "lonely");

        Assert.Empty((await Client.ListNamespacedPodAsync(ns)).Items);
    }

    [Fact]
    public async Task Evict_NotReadyPodWithIntactBudget_DeletesWithoutSpending()
    {
        const string ns = "evict-unhealthy";
        await SetUpAsync(ns, "web", allowed: 0, currentHealthy: 2, desiredHealthy: 2);
        await CreateRunningPodAsync(ns, "web-sick", ready: false);

        await EvictAsync(ns, "web-sick");

        Assert.Empty((await Client.ListNamespacedPodAsync(ns, fieldSelector: "metadata.name=web-sick")).Items);
        Assert.Equal(0, (await Client.ReadNamespacedPodDisruptionBudgetAsync("web", ns)).Status.DisruptionsAllowed);
    }

    private Task EvictAsync(string ns, string pod) =>
        Client.CreateNamespacedPodEvictionAsync(new V1Eviction { Metadata = new V1ObjectMeta { Name = pod, NamespaceProperty = ns } }, pod, ns);

    private async Task SetUpAsync(string ns, string app, int allowed, int currentHealthy, int desiredHealthy, long observedGeneration = 1)
    {
        await Client.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        await CreateRunningPodAsync(ns, $"{app}-0", ready: true);
        await CreateRunningPodAsync(ns, $"{app}-1", ready: true);
        await CreateBudgetAsync(ns, app, allowed, currentHealthy, desiredHealthy, observedGeneration);
    }

    private async Task CreateBudgetAsync(string ns, string name, int allowed, int currentHealthy, int desiredHealthy, long observedGeneration)
    {
        var pdb = await Client.CreateNamespacedPodDisruptionBudgetAsync(new V1PodDisruptionBudget
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1PodDisruptionBudgetSpec
            {
                MinAvailable = desiredHealthy,
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
            },
        }, ns);
        pdb.Status = new V1PodDisruptionBudgetStatus
        {
            ObservedGeneration = observedGeneration,
            DisruptionsAllowed = allowed,
            CurrentHealthy = currentHealthy,
            DesiredHealthy = desiredHealthy,
            ExpectedPods = 2,
        };
        await Client.ReplaceNamespacedPodDisruptionBudgetStatusAsync(pdb, name, ns);
    }

    private async Task CreateRunningPodAsync(string ns, string name, bool ready)
    {
        var pod = await Client.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["app"] = "web" } },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox" }] },
        }, ns);
        pod.Status = new V1PodStatus
        {
            Phase = "Running",
            Conditions = [new V1PodCondition { Type = "Ready", Status = ready ? "True" : "False", LastTransitionTime = DateTime.UtcNow }],
        };
        await Client.ReplaceNamespacedPodStatusAsync(pod, name, ns);
    }
}
