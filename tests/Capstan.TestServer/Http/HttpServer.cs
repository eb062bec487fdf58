using System.Net;
using System.Net.Sockets;
using Capstan.TestServer.Endpoints;
using Capstan.TestServer.Lifecycle;
using Capstan.TestServer.Sockets;

namespace Capstan.TestServer.Http;

/// <summary>A minimal HTTP/1.1 server on a listening socket: keep-alive, no TLS, no chunked bodies.</summary>
internal sealed class HttpServer : IDisposable
{
    /// <summary>An idle kept-alive connection is closed after this long, so that abandoned clients cannot pile up.</summary>
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(60);

    private readonly Socket _listener;
    private readonly Router _router;

    private HttpServer(Socket listener, Router router)
    {
        _listener = listener;
        _router = router;
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    public static HttpServer Listen(IPEndPoint endPoint, Router router) => new(ListeningSocket.Open(endPoint), router);

    public Task RunAsync(CancellationToken cancellationToken) =>
        ListeningSocket.AcceptAllAsync(_listener, ServeConnectionAsync, cancellationToken);

    public void Dispose() => _listener.Dispose();

    private async Task ServeConnectionAsync(Socket client)
    {
        client.NoDelay = true;
        var remote = client.RemoteEndPoint;
        var local = client.LocalEndPoint;
        await using var stream = new NetworkStream(client, ownsSocket: true);
        var reader = new HttpRequestReader(stream, remote, local);
        try
        {
            while (true)
            {
                HttpRequest? request;
                using (var idle = new CancellationTokenSource(IdleTimeout))
                {
                    try
                    {
                        request = await reader.ReadAsync(idle.Token).ConfigureAwait(false);
                    }
                    catch (HttpParseException e)
                    {
                        ServerLog.Line($"{remote} bad request: {e.Message} {e.StatusCode}");
                        await stream.WriteAsync(HttpResponseWriter.Serialize(new HttpResponse(e.StatusCode, e.Message), keepAlive: false)).ConfigureAwait(false);
                        return;
                    }
                }

                if (request is null)
                {
                    return;
                }

                HttpResponse response;
                try
                {
                    response = _router.Handle(request);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    response = new HttpResponse(500, e.Message);
                }

                var keepAlive = request.KeepAlive && response.AfterSent is null;
                var target = request.Query.Length == 0 ? request.Path : $"{request.Path}?{request.Query}";
                ServerLog.Line($"{remote} {request.Method} {target} {response.StatusCode}");
                var bytes = HttpResponseWriter.Serialize(response, keepAlive, includeBody: request.Method != "HEAD");
                await stream.WriteAsync(bytes).ConfigureAwait(false);
                if (response.AfterSent is { } afterSent)
                {
                    client.Shutdown(SocketShutdown.Both);
                    client.Close();
                    afterSent();
                    return;
                }

                if (!keepAlive)
                {
                    client.Shutdown(SocketShutdown.Send);
                    return;
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away or idled out: nothing to answer.
        }
    }
}
