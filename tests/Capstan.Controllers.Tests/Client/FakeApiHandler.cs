using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace Capstan.Controllers.Tests.Client;

/// <summary>
/// Stands in for the API server behind a k8s.Kubernetes client: answers lists and watches from scripted bodies, in
/// order, and records the request URIs. Once the watch script is used up, a watch hangs until cancelled.
/// </summary>
internal sealed class FakeApiHandler : DelegatingHandler
{
    private readonly ConcurrentQueue<(HttpStatusCode Status, string Body)> _lists = new();
    private readonly ConcurrentQueue<(HttpStatusCode Status, string Body)> _watches = new();

    public ConcurrentQueue<string> Requests { get; } = new();

    public void AddList(string body, HttpStatusCode status = HttpStatusCode.OK) => _lists.Enqueue((status, body));

    public void AddWatch(string body, HttpStatusCode status = HttpStatusCode.OK) => _watches.Enqueue((status, body));

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri!.PathAndQuery;
        Requests.Enqueue(uri);
        var queue = uri.Contains("watch=true", StringComparison.Ordinal) ? _watches : _lists;
        if (!queue.TryDequeue(out var answer))
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        return new HttpResponseMessage(answer.Status) { Content = new StringContent(answer.Body, Encoding.UTF8, "application/json") };
    }
}
