using System.Net;
using System.Text.Json.Nodes;
using Capstan.ApiServer.Security;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Capstan.ApiServer.Tests.Hosting;

/// <summary>
/// A pod's create, binding and status write through the whole pipeline: the managedFields each write records (built
/// from the changed parts only, unchanged entries kept as read), a no-op update, and the errors bad writes still get.
/// </summary>
public sealed class WritePathManagedFieldsTests(InProcessServerFixture fixture) : IClassFixture<InProcessServerFixture>
{
    private Kubernetes Admin() => fixture.Server.CreateInProcessClient("test-admin", SystemGroups.Masters);

    private static V1Pod Pod(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["app"] = "w" } },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox", Ports = [new V1ContainerPort { ContainerPort = 80 }] }] },
    };

    private static JsonObject? Entry(V1Pod pod, string manager) =>
        JsonNode.Parse(KubernetesJson.Serialize(pod))!["metadata"]!["managedFields"]!.AsArray()
            .OfType<JsonObject>().SingleOrDefault(e => (string?)e["manager"] == manager);

    [Fact]
    public async Task BindingThenStatus_RecordsOnlyWhatEachChanged_KeepsOtherEntries()
    {
        using var client = Admin();
        var created = await client.CoreV1.CreateNamespacedPodAsync(Pod("write-path-1"), "default", fieldManager: "creator");
        var creatorEntry = Entry(created, "creator")!.ToJsonString();

        await client.CoreV1.CreateNamespacedPodBindingAsync(
            new V1Binding { Metadata = new V1ObjectMeta { Name = "write-path-1" }, Target = new V1ObjectReference { Kind = "Node", Name = "n1" } },
            "write-path-1", "default", fieldManager: "scheduler");
        var status = """{"status":{"phase":"Running","podIP":"10.0.0.9","conditions":[{"type":"Ready","status":"True"}]}}""";
        var patched = await client.CoreV1.PatchNamespacedPodStatusAsync(new V1Patch(status, V1Patch.PatchType.MergePatch), "write-path-1", "default", fieldManager: "kubelet");

        Assert.Equal("n1", patched.Spec.NodeName);
        Assert.Equal(creatorEntry, Entry(patched, "creator")!.ToJsonString());
        var binding = Entry(patched, "scheduler")!;
        Assert.Equal("binding", (string?)binding["subresource"]);
        Assert.Equal("""{"f:spec":{"f:nodeName":{}}}""", binding["fieldsV1"]!.ToJsonString());
        var kubelet = Entry(patched, "kubelet")!;
        Assert.Equal("status", (string?)kubelet["subresource"]);
        var expected = JsonNode.Parse("""{"f:status":{"f:conditions":{"k:{\"type\":\"Ready\"}":{".":{},"f:status":{},"f:type":{}}},"f:phase":{},"f:podIP":{}}}""");
        Assert.True(JsonNode.DeepEquals(expected, kubelet["fieldsV1"]), kubelet["fieldsV1"]!.ToJsonString());
    }

    [Fact]
    public async Task Replace_SameObject_IsNoOpWithSameResourceVersion()
    {
        using var client = Admin();
        // A scheduler no one runs: the fixture's scheduler would otherwise write PodScheduled=False (there are no nodes)
        // between the create and the replace, and the replace would rightly conflict.
        var pod = Pod("write-path-2");
        pod.Spec.SchedulerName = "no-scheduler";
        var created = await client.CoreV1.CreateNamespacedPodAsync(pod, "default");

        var replaced = await client.CoreV1.ReplaceNamespacedPodAsync(created, "write-path-2", "default");

        Assert.Equal(created.Metadata.ResourceVersion, replaced.Metadata.ResourceVersion);
        Assert.Equal(KubernetesJson.Serialize(created.Metadata.ManagedFields), KubernetesJson.Serialize(replaced.Metadata.ManagedFields));
    }

    [Fact]
    public async Task Writes_BadInput_StillRejected()
    {
        using var client = Admin();
        await client.CoreV1.CreateNamespacedPodAsync(Pod("write-path-3"), "default");
        var body = new V1Binding { Metadata = new V1ObjectMeta { Name = "write-path-3" }, Target = new V1ObjectReference { Kind = "Node", Name = "n1" } };
        await client.CoreV1.CreateNamespacedPodBindingAsync(body, "write-path-3", "default");

        var again = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.CreateNamespacedPodBindingAsync(body, "write-path-3", "default"));
        Assert.Equal(HttpStatusCode.Conflict, again.Response.StatusCode);
        Assert.Contains("is already assigned to node", again.Response.Content, StringComparison.Ordinal);

        var badType = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.PatchNamespacedPodStatusAsync(
            new V1Patch("""{"status":{"conditions":"not-a-list"}}""", V1Patch.PatchType.MergePatch), "write-path-3", "default"));
        Assert.Equal(HttpStatusCode.BadRequest, badType.Response.StatusCode);
        Assert.Contains("\"kind\":\"Status\"", badType.Response.Content, StringComparison.Ordinal);
    }
}
