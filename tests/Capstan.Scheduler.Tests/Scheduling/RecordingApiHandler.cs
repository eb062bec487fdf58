using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace Capstan.Scheduler.Tests.Scheduling;

/// <summary>Stands in for the API server behind a k8s.Kubernetes client: records each write and answers it with a chosen status.</summary>
internal sealed class RecordingApiHandler : DelegatingHandler
{
    public ConcurrentQueue<(string Method, string Path, string Body)> Requests { get; } = new();

    /// <summary>The status bindings get (201 unless changed).</summary>
    public HttpStatusCode BindingStatus { get; set; } = HttpStatusCode.Created;

    public IReadOnlyList<string> Bindings => [.. Requests.Where(r => r.Path.EndsWith("/binding", StringComparison.Ordinal)).Select(r => r.Body)];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        var path = request.RequestUri!.AbsolutePath;
        Requests.Enqueue((request.Method.Method, path, body));
        var status = path.EndsWith("/binding", StringComparison.Ordinal) ? BindingStatus
            : request.Method == HttpMethod.Post ? HttpStatusCode.Created
            : HttpStatusCode.OK;
        var answer = (int)status >= 400 ? "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\"}" : body.Length > 0 ? body : "{}";
        return new HttpResponseMessage(status) { RequestMessage = request, Content = new StringContent(answer, Encoding.UTF8, "application/json") };
    }
}
