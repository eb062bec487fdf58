using System.Net;
using System.Text;
using Capstan.Client.Dynamic;
using k8s;
using k8s.Models;

namespace Capstan.Controllers.Tests.Client;

public sealed class DynamicClientPatchTests
{
    private static readonly ApiResource Pods = new("", "v1", "pods", "Pod", true, ["patch"]);

    /// <summary>Records each request and answers with a pod, or with the given status.</summary>
    private sealed class RecordingHandler(HttpStatusCode status = HttpStatusCode.OK) : DelegatingHandler
    {
        public List<(string Method, string Path, string? MediaType, string Body)> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
            Requests.Add((request.Method.Method, request.RequestUri!.PathAndQuery, request.Content?.Headers.ContentType?.MediaType, body));
            var answer = status == HttpStatusCode.OK
                ? """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"ns"}}"""
                : """{"apiVersion":"v1","kind":"Status","status":"Failure","reason":"NotFound","code":404}""";
            return new HttpResponseMessage(status) { RequestMessage = request, Content = new StringContent(answer, Encoding.UTF8, "application/json") };
        }
    }

    [Fact]
    public async Task PatchAsync_StatusSubresource_SameRequestAsTheOfficialClient()
    {
        const string patch = """{"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}""";
        var official = new RecordingHandler();
        using (var client = new Kubernetes(new KubernetesClientConfiguration { Host = "http://fake.invalid" }, official))
        {
            await client.CoreV1.PatchNamespacedPodStatusAsync(new V1Patch(patch, V1Patch.PatchType.StrategicMergePatch), "p", "ns");
        }

        var ours = new RecordingHandler();
        using (var client = new Kubernetes(new KubernetesClientConfiguration { Host = "http://fake.invalid" }, ours))
        {
            await new DynamicClient(client).PatchAsync(Pods, "ns", "p", "status", patch, "application/strategic-merge-patch+json", CancellationToken.None);
        }

        var expected = Assert.Single(official.Requests);
        var actual = Assert.Single(ours.Requests);
        Assert.Equal((expected.Method, expected.Path.Split('?')[0], expected.MediaType, expected.Body), (actual.Method, actual.Path, actual.MediaType, actual.Body));
        Assert.Equal(("PATCH", "/api/v1/namespaces/ns/pods/p/status", "application/strategic-merge-patch+json"), (actual.Method, actual.Path, actual.MediaType));
    }

    [Fact]
    public async Task PatchAsync_Missing_ThrowsNotFound()
    {
        using var client = new Kubernetes(new KubernetesClientConfiguration { Host = "http://fake.invalid" }, new RecordingHandler(HttpStatusCode.NotFound));

        var ex = await Assert.ThrowsAsync<ApiRequestException>(() =>
            new DynamicClient(client).PatchAsync(Pods, "ns", "p", "status", "{}", "application/merge-patch+json", CancellationToken.None));

        Assert.True(ex.IsNotFound);
    }
}
