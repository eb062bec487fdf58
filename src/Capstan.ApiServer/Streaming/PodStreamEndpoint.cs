using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Capstan.Api.Registry;
using Capstan.ApiServer.Hosting;
using Capstan.ApiServer.Http;
using Capstan.ApiServer.Objects;
using Capstan.ApiServer.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Capstan.ApiServer.Streaming;

/// <summary>
/// The pods/log, pods/exec, pods/attach and pods/portforward subresources: checks the pod and container the way
/// Kubernetes does, then proxies to the agent of the pod's node (its kubelet API) with the API server's client
/// certificate. The agent's serving certificate is not verified, as Kubernetes does without --kubelet-certificate-authority.
/// </summary>
public sealed partial class PodStreamEndpoint : IExtraEndpoint, IDisposable
{
    private static readonly string[] s_subresources = ["log", "exec", "attach", "portforward"];

    private readonly ResourceStore _store;
    private readonly ResourceInfo _nodes;
    private readonly Func<X509Certificate2?> _clientCertificate;
    private readonly ILogger _logger;
    private readonly HttpClient _http;

    /// <param name="clientCertificate">Asked on each new connection for the certificate presented to agents (CN=capstan:apiserver,
    /// O=system:masters), so a renewed one takes over without a restart; null: streams answer 503.</param>
    public PodStreamEndpoint(ResourceStore store, ResourceRegistry registry, Func<X509Certificate2?> clientCertificate, ILogger logger)
    {
        _store = store;
        _nodes = registry.Find("", "v1", "nodes") ?? throw new InvalidOperationException("nodes are not registered");
        _clientCertificate = clientCertificate;
        _logger = logger;
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            SslOptions =
            {
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
                LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate()!,
            },
        };
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>RBAC verb for a streaming subresource: exec, attach and port-forward open a session, so they need
    /// <c>create</c> whether they come as POST (SPDY) or GET (WebSocket).</summary>
    public static RequestInfo Authorizable(RequestInfo info) =>
        info is { IsResourceRequest: true, Group: "", Resource: "pods", Subresource: "exec" or "attach" or "portforward", Verb: "get" }
            ? info with { Verb = "create" }
            : info;

    public bool Handles(ResourceInfo resource, RequestInfo request) =>
        resource is { Group: "", Plural: "pods" } && s_subresources.Contains(request.Subresource) && request.Name.Length > 0;

    public Task<bool> TryHandleNonResourceAsync(HttpContext http, string path) => Task.FromResult(false);

    public async Task HandleAsync(HttpContext http, ResourceInfo resource, RequestInfo request, UserInfo user)
    {
        var ct = http.RequestAborted;
        if (request.Subresource == "log" ? !HttpMethods.IsGet(http.Request.Method) : !(HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsPost(http.Request.Method)))
        {
            throw ApiException.MethodNotAllowed($"the server does not allow this method on the requested resource");
        }

        var pod = await _store.GetAsync(resource, request.Namespace, request.Name, ct).ConfigureAwait(false);
        var query = http.Request.Query;
        string agentPath;
        switch (request.Subresource)
        {
            case "log":
            {
                var container = PodContainers.Resolve(pod, query["container"].ToString());
                var previous = query["previous"].ToString() is "true" or "1";
                PodContainers.EnsureLogsAvailable(pod, container, previous);
                agentPath = $"/containerLogs/{Escape(request.Namespace)}/{Escape(request.Name)}/{Escape(container)}";
                break;
            }

            case "exec" or "attach":
            {
                var container = PodContainers.Resolve(pod, query["container"].ToString());
                PodContainers.EnsureRunnable(pod, request.Subresource == "exec" ? "exec into" : "attach");
                agentPath = $"/{request.Subresource}/{Escape(request.Namespace)}/{Escape(request.Name)}/{Escape(container)}";
                break;
            }

            default:
                PodContainers.EnsureRunnable(pod, "port-forward to");
                agentPath = $"/portForward/{Escape(request.Namespace)}/{Escape(request.Name)}";
                break;
        }

        if (_clientCertificate() is null)
        {
            throw new ApiException(503, "ServiceUnavailable", "this API server has no client certificate to reach node agents with");
        }

        var nodeName = ObjectMeta.Str(pod["spec"]?["nodeName"]);
        var node = await _store.GetAsync(_nodes, "", nodeName, ct).ConfigureAwait(false);
        var target = new UriBuilder(NodeAgentAddress.For(node)) { Path = agentPath, Query = ForwardedQuery(query, request.Subresource == "portforward") }.Uri;
        LogProxy(request.Subresource, request.Namespace, request.Name, target.ToString(), user.Name);
        if (request.Subresource == "log")
        {
            await ProxyLogsAsync(http, target, nodeName, ct).ConfigureAwait(false);
        }
        else if (IsSpdyUpgrade(http))
        {
            await ProxySpdyAsync(http, target, nodeName, ct).ConfigureAwait(false);
        }
        else
        {
            await ProxyStreamAsync(http, target, nodeName, ct).ConfigureAwait(false);
        }
    }

    public void Dispose() => _http.Dispose();

    private static string Escape(string segment) => Uri.EscapeDataString(segment);

    /// <summary>The query as the client sent it, less <c>container</c> (now in the path); port-forward's
    /// <c>ports</c> become the agent's <c>port</c>, as the kubelet names them.</summary>
    private static string ForwardedQuery(IQueryCollection query, bool portForward)
    {
        var builder = new StringBuilder();
        foreach (var (key, values) in query)
        {
            if (key == "container")
            {
                continue;
            }

            var name = portForward && key == "ports" ? "port" : key;
            foreach (var value in values)
            {
                builder.Append(builder.Length == 0 ? "" : "&").Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value ?? ""));
            }
        }

        return builder.ToString();
    }

    private async Task ProxyLogsAsync(HttpContext http, Uri target, string nodeName, CancellationToken ct)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.GetAsync(target, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw Unreachable(nodeName, target, ex.Message);
        }

        using (response)
        {
            await using var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                await RelayErrorAsync(http, (int)response.StatusCode, body, ct).ConfigureAwait(false);
                return;
            }

            http.Response.StatusCode = 200;
            http.Response.ContentType = response.Content.Headers.ContentType?.ToString() ?? "text/plain";
            await http.Response.StartAsync(ct).ConfigureAwait(false);

            // Flushed after every read so that a followed log reaches the client line by line.
            var buffer = new byte[16 * 1024];
            int read;
            while ((read = await body.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
            {
                await http.Response.Body.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
                await http.Response.Body.FlushAsync(ct).ConfigureAwait(false);
            }
        }
    }

    private static async Task RelayErrorAsync(HttpContext http, int code, Stream body, CancellationToken ct)
    {
        using var reader = new StreamReader(body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(ct).ConfigureAwait(false);
        JsonObject? status = null;
        try
        {
            status = JsonNode.Parse(text) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
        }

        if (status is null || ObjectMeta.Str(status["kind"]) != "Status")
        {
            status = StatusObjects.Failure(code, code == 404 ? "NotFound" : "BadRequest", text.Trim());
        }

        await ResponseWriter.WriteAsync(http, code, status).ConfigureAwait(false);
    }

    /// <summary>Exec, attach and port-forward: opens the WebSocket to the agent first, so that the client is answered
    /// with the subprotocol the agent chose (or with the agent's refusal), then relays messages both ways.</summary>
    private async Task ProxyStreamAsync(HttpContext http, Uri target, string nodeName, CancellationToken ct)
    {
        if (!WebSocketAccept.IsWebSocketRequest(http))
        {
            throw ApiException.BadRequest("Upgrade request required: exec, attach and port-forward are served over WebSocket (v5.channel.k8s.io, v4.channel.k8s.io; SPDY/3.1+portforward.k8s.io for port-forward) or SPDY/3.1");
        }

        AgentUpgradeClient.WebSocketOutcome outcome;
        try
        {
            outcome = await AgentUpgradeClient.ConnectWebSocketAsync(target, _clientCertificate()!, WebSocketAccept.RequestedProtocols(http), ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or IOException or System.Security.Authentication.AuthenticationException)
        {
            throw Unreachable(nodeName, target, ex.Message);
        }

        if (outcome.Socket is null)
        {
            await RelayErrorAsync(http, outcome.StatusCode, new MemoryStream(Encoding.UTF8.GetBytes(outcome.Body)), ct).ConfigureAwait(false);
            return;
        }

        using var backend = outcome.Socket;
        using var client = await WebSocketAccept.AcceptAsync(http, outcome.Protocol).ConfigureAwait(false);
        await WebSocketRelay.RunAsync(client, backend, ct).ConfigureAwait(false);
    }

    private static bool IsSpdyUpgrade(HttpContext http) =>
        http.Request.Headers.Upgrade.ToString().StartsWith("SPDY/3.1", StringComparison.OrdinalIgnoreCase)
        && http.Features.Get<IHttpUpgradeFeature>()?.IsUpgradableRequest == true;

    /// <summary>The SPDY fallback of exec, attach and port-forward (<c>Upgrade: SPDY/3.1</c>, what kubectl sends when the
    /// WebSocket upgrade is refused, and what clients before 1.30 send): the upgraded connections are spliced byte for byte.</summary>
    private async Task ProxySpdyAsync(HttpContext http, Uri target, string nodeName, CancellationToken ct)
    {
        AgentUpgradeClient.Upgrade upgrade;
        try
        {
            upgrade = await AgentUpgradeClient.UpgradeAsync(target, _clientCertificate()!, "POST",
            [
                new("Connection", "Upgrade"),
                new("Upgrade", "SPDY/3.1"),
                new("X-Stream-Protocol-Version", string.Join(", ", http.Request.Headers["X-Stream-Protocol-Version"].Select(v => v ?? ""))),
            ], ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or IOException or System.Security.Authentication.AuthenticationException)
        {
            throw Unreachable(nodeName, target, ex.Message);
        }

        if (upgrade.Stream is null)
        {
            await RelayErrorAsync(http, upgrade.StatusCode, new MemoryStream(Encoding.UTF8.GetBytes(upgrade.Body)), ct).ConfigureAwait(false);
            return;
        }

        await using var backend = upgrade.Stream;
        http.Response.StatusCode = StatusCodes.Status101SwitchingProtocols;
        http.Response.Headers.Connection = "Upgrade";
        http.Response.Headers.Upgrade = "SPDY/3.1";
        if (upgrade.Headers.TryGetValue("X-Stream-Protocol-Version", out var version))
        {
            http.Response.Headers["X-Stream-Protocol-Version"] = version;
        }

        await using var client = await http.Features.Get<IHttpUpgradeFeature>()!.UpgradeAsync().ConfigureAwait(false);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var up = client.CopyToAsync(backend, stop.Token);
        var down = backend.CopyToAsync(client, stop.Token);
        await Task.WhenAny(up, down).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(up, down).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException)
        {
        }
    }

    private static ApiException Unreachable(string nodeName, Uri target, string why) =>
        new(503, "ServiceUnavailable", $"the agent of node \"{nodeName}\" is not reachable at {target.GetLeftPart(UriPartial.Authority)}: {why}");

    [LoggerMessage(1, LogLevel.Debug, "proxying pods/{Subresource} of {Namespace}/{Name} to {Target} for {User}")]
    private partial void LogProxy(string subresource, string @namespace, string name, string target, string user);
}
