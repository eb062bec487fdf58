using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using Capstan.Agent.Runtime;
using Capstan.Api.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Capstan.Agent.Streaming;

/// <summary>
/// The agent's HTTPS endpoint the API server proxies kubectl logs, exec, attach and port-forward to, on the kubelet's
/// paths: <c>/containerLogs/{ns}/{pod}/{container}</c>, <c>/exec/{ns}/{pod}/{container}</c>,
/// <c>/attach/{ns}/{pod}/{container}</c> and <c>/portForward/{ns}/{pod}</c>. Only clients with a certificate from the
/// cluster CA in an allowed group are served.
/// </summary>
public sealed partial class AgentStreamingServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly AgentStreamingOptions _options;
    private readonly IPodDirectory _pods;
    private readonly IContainerRuntime _runtime;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();

    private AgentStreamingServer(WebApplication app, AgentStreamingOptions options, X509Certificate2 servingCertificate, IPodDirectory pods, IContainerRuntime runtime, ILogger logger)
    {
        _app = app;
        _options = options;
        ServingCertificate = servingCertificate;
        _pods = pods;
        _runtime = runtime;
        _logger = logger;
    }

    /// <summary>The port actually bound (differs from the options' when they asked for 0).</summary>
    public int Port { get; private set; }

    public X509Certificate2 ServingCertificate { get; }

    public static async Task<AgentStreamingServer> StartAsync(AgentStreamingOptions options, IPodDirectory pods, IContainerRuntime runtime, ILoggerFactory loggerFactory, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        var serving = options.ServingCertificate ?? SelfSigned(options.ListenAddress);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = HostArguments.NoConfigReload, ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MinRequestBodyDataRate = null;
            k.Listen(options.ListenAddress, options.Port, listen =>
            {
                // WebSocket upgrades need HTTP/1.1.
                listen.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1;
                listen.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificate = serving,
                    ClientCertificateMode = ClientCertificateMode.AllowCertificate,

                    // Checked per request against the cluster CA, so that a refused client gets a Status, not a TLS alert.
                    ClientCertificateValidation = (_, _, _) => true,
                });
            });
        });
        var app = builder.Build();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        var server = new AgentStreamingServer(app, options, serving, pods, runtime, loggerFactory.CreateLogger<AgentStreamingServer>());
        app.Run(server.HandleAsync);
        await app.StartAsync(ct).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        server.Port = address is null ? options.Port : new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal)).Port;
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        try
        {
            await _app.StopAsync(grace.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        await _app.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task HandleAsync(HttpContext http)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, _stopping.Token);
        var ct = linked.Token;
        try
        {
            var denied = await CheckClientAsync(http).ConfigureAwait(false);
            if (denied is not null)
            {
                await WriteStatusAsync(http, denied).ConfigureAwait(false);
                return;
            }

            var segments = (http.Request.Path.Value ?? "").Trim('/').Split('/');
            switch (segments)
            {
                case ["containerLogs", var ns, var pod, var container]:
                    await LogsAsync(http, ns, pod, container, ct).ConfigureAwait(false);
                    return;
                case ["exec", var ns, var pod, var container]:
                    await ExecAsync(http, ns, pod, container, ct).ConfigureAwait(false);
                    return;
                case ["attach", var ns, var pod, var container]:
                    await AttachAsync(http, ns, pod, container, ct).ConfigureAwait(false);
                    return;
                case ["portForward", var ns, var pod]:
                    await PortForwardAsync(http, ns, pod, ct).ConfigureAwait(false);
                    return;
                default:
                    await WriteStatusAsync(http, ExecStatus.Failure(404, "NotFound", "the server could not find the requested resource")).ConfigureAwait(false);
                    return;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is IOException or Microsoft.AspNetCore.Connections.ConnectionResetException)
        {
            LogAborted(http.Request.Path.Value ?? "", ex.Message);
        }
        catch (Exception ex)
        {
            LogFailed(ex, http.Request.Path.Value ?? "");
            if (!http.Response.HasStarted)
            {
                await WriteStatusAsync(http, ExecStatus.Failure(500, "InternalError", ex.Message)).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Null when the client presented a certificate of the cluster CA in an allowed group; else the Status to answer.</summary>
    private async Task<JsonObject?> CheckClientAsync(HttpContext http)
    {
        var certificate = http.Connection.ClientCertificate ?? await http.Connection.GetClientCertificateAsync(http.RequestAborted).ConfigureAwait(false);
        if (certificate is null || !SignedByCa(certificate))
        {
            return ExecStatus.Failure(401, "Unauthorized", "Unauthorized");
        }

        var name = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        var groups = certificate.SubjectName.EnumerateRelativeDistinguishedNames()
            .Where(rdn => rdn.GetSingleElementType().Value == "2.5.4.10")
            .Select(rdn => rdn.GetSingleElementValue() ?? "");
        if (_options.AllowedClients.Contains(name) || groups.Any(_options.AllowedClients.Contains))
        {
            return null;
        }

        return ExecStatus.Failure(403, "Forbidden", $"Forbidden (user={name}, verb=get, resource=nodes, subresource=proxy)");
    }

    private bool SignedByCa(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_options.ClientCaCertificate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        return chain.Build(certificate);
    }

    private async Task LogsAsync(HttpContext http, string ns, string pod, string container, CancellationToken ct)
    {
        var options = LogOptions.Parse(http.Request.Query, DateTimeOffset.UtcNow, out var error);
        if (options is null)
        {
            await WriteStatusAsync(http, ExecStatus.Failure(400, "BadRequest", error ?? "invalid log options")).ConfigureAwait(false);
            return;
        }

        var target = _pods.FindContainer(ns, pod, container, options.Previous);
        if (target is null)
        {
            var message = options.Previous
                ? $"previous terminated container \"{container}\" in pod \"{pod}\" not found"
                : $"container \"{container}\" in pod \"{pod}\" is not available";
            await WriteStatusAsync(http, ExecStatus.Failure(options.Previous ? 400 : 404, options.Previous ? "BadRequest" : "NotFound", message)).ConfigureAwait(false);
            return;
        }

        http.Response.StatusCode = 200;
        http.Response.ContentType = "text/plain";
        await http.Response.StartAsync(ct).ConfigureAwait(false);
        var reader = new ContainerLogReader(target.LogPath, options, () => StillRunning(ns, pod, container, target), _options.LogPollInterval);
        await reader.CopyToAsync(http.Response.Body, ct).ConfigureAwait(false);
    }

    private bool StillRunning(string ns, string pod, string container, ContainerRef target) =>
        target.Running && _pods.FindContainer(ns, pod, container, previous: false) is { Running: true } now && now.ContainerId == target.ContainerId;

    private async Task ExecAsync(HttpContext http, string ns, string pod, string container, CancellationToken ct)
    {
        var query = http.Request.Query;
        var command = query["command"].Where(c => c is not null).Select(c => c!).ToList();
        if (command.Count == 0)
        {
            await WriteStatusAsync(http, ExecStatus.Failure(400, "BadRequest", "you must specify at least 1 command")).ConfigureAwait(false);
            return;
        }

        var request = new ExecRequest(command, Flag(query, "stdin"), Flag(query, "stdout"), Flag(query, "stderr"), Flag(query, "tty"));
        if (request.Tty)
        {
            // With a terminal stderr is part of stdout.
            request = request with { Stderr = false };
        }

        var target = await RunningContainerAsync(http, ns, pod, container).ConfigureAwait(false);
        if (target is not null && IsSpdyUpgrade(http))
        {
            await SpdyRemoteCommandAsync(http, request.Stdin, request.Stdout, request.Stderr, request.Tty,
                token => _runtime.ExecAsync(target.ContainerId, request, token), command, ct).ConfigureAwait(false);
            return;
        }

        var protocol = target is null ? null : await NegotiateAsync(http).ConfigureAwait(false);
        if (target is null || protocol is null)
        {
            return;
        }

        using var socket = await http.WebSockets.AcceptWebSocketAsync(protocol).ConfigureAwait(false);
        LogSession("exec", ns, pod, container, protocol);
        await new RemoteCommandSession(socket, protocol)
            .RunAsync(token => _runtime.ExecAsync(target.ContainerId, request, token), command, ct).ConfigureAwait(false);
    }

    private async Task AttachAsync(HttpContext http, string ns, string pod, string container, CancellationToken ct)
    {
        var tty = Flag(http.Request.Query, "tty");
        var target = await RunningContainerAsync(http, ns, pod, container).ConfigureAwait(false);
        if (target is not null && IsSpdyUpgrade(http))
        {
            var query = http.Request.Query;
            await SpdyRemoteCommandAsync(http, Flag(query, "stdin"), Flag(query, "stdout"), Flag(query, "stderr"), tty,
                token => _runtime.AttachAsync(target.ContainerId, tty && target.Tty, token), command: null, ct).ConfigureAwait(false);
            return;
        }

        var protocol = target is null ? null : await NegotiateAsync(http).ConfigureAwait(false);
        if (target is null || protocol is null)
        {
            return;
        }

        using var socket = await http.WebSockets.AcceptWebSocketAsync(protocol).ConfigureAwait(false);
        LogSession("attach", ns, pod, container, protocol);
        await new RemoteCommandSession(socket, protocol)
            .RunAsync(token => _runtime.AttachAsync(target.ContainerId, tty && target.Tty, token), command: null, ct).ConfigureAwait(false);
    }

    private async Task<ContainerRef?> RunningContainerAsync(HttpContext http, string ns, string pod, string container)
    {
        var target = _pods.FindContainer(ns, pod, container, previous: false);
        if (target is null)
        {
            await WriteStatusAsync(http, ExecStatus.Failure(404, "NotFound", $"container \"{container}\" in pod \"{pod}\" not found")).ConfigureAwait(false);
            return null;
        }

        if (!target.Running)
        {
            await WriteStatusAsync(http, ExecStatus.Failure(400, "BadRequest", $"container \"{container}\" in pod \"{pod}\" is not running")).ConfigureAwait(false);
            return null;
        }

        return target;
    }

    /// <summary>Exec or attach over an upgraded SPDY/3.1 connection (the client's fallback from WebSocket).</summary>
    private async Task SpdyRemoteCommandAsync(HttpContext http, bool stdin, bool stdout, bool stderr, bool tty,
        Func<CancellationToken, Task<IStreamSession>> start, IReadOnlyList<string>? command, CancellationToken ct)
    {
        var offered = http.Request.Headers["X-Stream-Protocol-Version"].SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries)).ToHashSet(StringComparer.Ordinal);
        var version = SpdyRemoteCommandSession.Versions.FirstOrDefault(offered.Contains);
        var upgrade = http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpUpgradeFeature>();
        if (version is null || upgrade is not { IsUpgradableRequest: true })
        {
            await WriteStatusAsync(http, ExecStatus.Failure(400, "BadRequest",
                $"unable to upgrade: X-Stream-Protocol-Version must include {string.Join(" or ", SpdyRemoteCommandSession.Versions)}")).ConfigureAwait(false);
            return;
        }

        http.Response.StatusCode = StatusCodes.Status101SwitchingProtocols;
        http.Response.Headers.Connection = "Upgrade";
        http.Response.Headers.Upgrade = "SPDY/3.1";
        http.Response.Headers["X-Stream-Protocol-Version"] = version;
        await using var transport = await upgrade.UpgradeAsync().ConfigureAwait(false);
        using var connection = new Spdy.SpdyConnection(transport);
        await new SpdyRemoteCommandSession(connection, stdin, stdout, stderr, tty).RunAsync(start, command, ct).ConfigureAwait(false);
    }

    /// <summary>The channel protocol for a WebSocket request, or null after answering a request that cannot be served.</summary>
    private static async Task<string?> NegotiateAsync(HttpContext http)
    {
        if (!http.WebSockets.IsWebSocketRequest)
        {
            await WriteStatusAsync(http, ExecStatus.Failure(400, "BadRequest",
                $"Upgrade request required: this endpoint speaks WebSocket with {string.Join(" or ", RemoteCommandProtocol.Supported)}")).ConfigureAwait(false);
            return null;
        }

        var protocol = RemoteCommandProtocol.Negotiate(http.WebSockets.WebSocketRequestedProtocols);
        if (protocol is null)
        {
            await WriteStatusAsync(http, ExecStatus.Failure(400, "BadRequest",
                $"none of the requested subprotocols {string.Join(", ", http.WebSockets.WebSocketRequestedProtocols)} is supported; use {string.Join(" or ", RemoteCommandProtocol.Supported)}")).ConfigureAwait(false);
        }

        return protocol;
    }

    private static bool Flag(IQueryCollection query, string name)
    {
        var value = query[name].ToString();
        return value is "1" || value.Equals("true", StringComparison.OrdinalIgnoreCase);
    }

    internal static async Task WriteStatusAsync(HttpContext http, JsonObject status)
    {
        if (http.Response.HasStarted)
        {
            return;
        }

        http.Response.StatusCode = status["code"]?.GetValue<int>() ?? 200;
        http.Response.ContentType = "application/json";
        await http.Response.Body.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(status)).ConfigureAwait(false);
    }

    private static X509Certificate2 SelfSigned(IPAddress listen)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=capstan-agent", key, HashAlgorithmName.SHA256);
        var sans = new SubjectAlternativeNameBuilder();
        sans.AddDnsName("localhost");
        sans.AddIpAddress(IPAddress.Loopback);
        if (!listen.Equals(IPAddress.Any) && !listen.Equals(IPAddress.IPv6Any))
        {
            sans.AddIpAddress(listen);
        }

        request.CertificateExtensions.Add(sans.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(1));
        return X509Certificate2.CreateFromPem(certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    [LoggerMessage(1, LogLevel.Debug, "streaming request {Path} aborted: {Reason}")]
    private partial void LogAborted(string path, string reason);

    [LoggerMessage(2, LogLevel.Error, "streaming request {Path} failed")]
    private partial void LogFailed(Exception ex, string path);

    [LoggerMessage(3, LogLevel.Debug, "{Kind} {Namespace}/{Pod} container {Container} over {Protocol}")]
    private partial void LogSession(string kind, string @namespace, string pod, string container, string protocol);
}
