using System.Net;
using System.Net.Security;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Capstan.Api.Hosting;
using Capstan.Client.Dynamic;
using Capstan.Client.Informers;
using Capstan.Network.Catalog;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Capstan.Network.Ingress.Http1;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Health;

namespace Capstan.Network.Ingress;

/// <summary>
/// The built-in ingress controller: a Kestrel host running YARP whose routes and clusters come from the Ingresses of
/// the `capstan` class, the service catalog's ready endpoints and the TLS Secrets. Every change rebuilds an immutable
/// snapshot and swaps YARP's configuration through its change token, which keeps open connections and in-flight
/// requests. Create it before the informers start, then call <see cref="StartAsync"/>.
/// </summary>
public sealed partial class IngressController : IAsyncDisposable
{
    /// <summary>YARP needs a route and a cluster to enter its proxy pipeline; the routing step then picks the real cluster.</summary>
    internal const string RouteId = "capstan-ingress";
    internal const string UnroutedClusterId = "capstan-ingress-unrouted";

    private readonly SharedInformerFactory _informers;
    private readonly ServiceCatalog _catalog;
    private readonly IngressOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly DynamicInformer _ingresses;
    private readonly DynamicInformer _classes;
    private readonly DynamicInformer _secrets;
    private readonly IngressSnapshotBuilder _builder;
    private readonly IngressStatusWriter _status;
    private readonly Channel<bool> _changes = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stop = new();
    private readonly IDisposable _catalogSubscription;
    private readonly SslStreamCertificateContext _defaultCertificate = SslStreamCertificateContext.Create(DefaultCertificate.Create(), null, offline: true);
    private IngressSnapshot _snapshot = IngressSnapshot.Empty;
    private HashSet<string> _loggedWarnings = [];
    private InMemoryConfigProvider? _proxyConfig;
    private WebApplication? _app;
    private IngressHttp1Router? _http1Router;
    private Http1Forwarder? _http1;
    private Task _reloads = Task.CompletedTask;

    public IngressController(SharedInformerFactory informers, ServiceCatalog catalog, IngressOptions options, ILoggerFactory loggerFactory)
    {
        _informers = informers;
        _catalog = catalog;
        _options = options;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<IngressController>();
        _builder = new IngressSnapshotBuilder(options);
        _status = new IngressStatusWriter(informers.Client, options.StatusAddress, _logger);
        _ingresses = informers.For(NetworkResources.Ingresses);
        _classes = informers.For(NetworkResources.IngressClasses);
        _secrets = informers.For(NetworkResources.Secrets);
        var always = new ResourceEventHandler { OnAdd = _ => Changed(), OnUpdate = (_, _) => Changed(), OnDelete = _ => Changed() };
        _ingresses.AddEventHandler(always);
        _classes.AddEventHandler(always);
        _secrets.AddEventHandler(new ResourceEventHandler
        {
            OnAdd = s => SecretChanged(s),
            OnUpdate = (_, s) => SecretChanged(s),
            OnDelete = s => SecretChanged(s),
        });
        _catalogSubscription = catalog.Subscribe(change =>
        {
            if (Volatile.Read(ref _snapshot).Services.Contains(change.Key))
            {
                Changed();
            }
        });
    }

    /// <summary>What the ingress serves now.</summary>
    public IngressSnapshot Snapshot => Volatile.Read(ref _snapshot);

    public IngressMetrics Metrics { get; } = new();

    /// <summary>Bumped after each applied rebuild (tests wait on it).</summary>
    public long Generation => Interlocked.Read(ref _generation);

    private long _generation;

    /// <summary>
    /// Creates the IngressClass when asked to, waits for the informers (the caller starts them), loads the first snapshot
    /// and starts listening on the HTTP, HTTPS and metrics ports.
    /// </summary>
    public async Task StartAsync(CancellationToken ct)
    {
        if (_options.CreateIngressClass)
        {
            await EnsureIngressClassAsync(ct).ConfigureAwait(false);
        }

        await _ingresses.WaitForSyncAsync(ct).ConfigureAwait(false);
        await _classes.WaitForSyncAsync(ct).ConfigureAwait(false);
        await _secrets.WaitForSyncAsync(ct).ConfigureAwait(false);
        await _catalog.WaitForSyncAsync(ct).ConfigureAwait(false);
        var snapshot = Rebuild();
        _proxyConfig = new InMemoryConfigProvider(Routes(), Clusters(snapshot));
        var app = BuildHost(_proxyConfig);
        try
        {
            // The plain port is bound first: Kestrel's loopback fallback listener takes an ephemeral port, which must
            // not be the one the caller chose for HTTP.
            if (_http1Router is not null)
            {
                _http1 = StartHttp1(_http1Router);
            }

            await app.StartAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            // A port in use: nothing listens, and the caller decides whether that is fatal.
            if (_http1 is not null)
            {
                await _http1.DisposeAsync().ConfigureAwait(false);
                _http1 = null;
            }

            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        if (_http1Router is not null)
        {
            _http1Router.Fallback = FallbackEndPoint(app);
        }

        _app = app;
        LogStarted(_logger, _options.HttpPort, _options.HttpsPort, snapshot.Ingresses.Count);
        _reloads = Task.Run(() => ReloadLoopAsync(_stop.Token), CancellationToken.None);
        Changed();
    }

    // The plain port's own HTTP/1.1 forwarder: on the 2-core bench machine (bench/README.md, ingress) Kestrel+YARP cost
    // 28 µs of CPU per request (57 % of nginx's req/s), a bare IHttpForwarder 22-24, so the Kestrel+HttpClient stack
    // itself was the floor. Parsing and relaying on epoll loops, as the service proxy's relay does for TCP, removes it.
    // YARP keeps the TLS port and anything this path does not forward (https backends), on a loopback listener.
    private bool UseHttp1Forwarder => _options.Http1Forwarder && Http1.Http1Forwarder.IsSupported;

    private Http1.Http1Forwarder StartHttp1(IngressHttp1Router router)
    {
        var endPoint = new IPEndPoint(_options.BindAddress, _options.HttpPort);
        try
        {
            return Http1.Http1Forwarder.Start(endPoint, router, new Http1ForwarderOptions());
        }
        catch (System.Net.Sockets.SocketException e)
        {
            // As Kestrel reports a port in use.
            throw new IOException($"Failed to bind to address {endPoint}: {e.Message}", e);
        }
    }

    // The loopback HTTP listener Kestrel got for the fallback (not the metrics one).
    private IPEndPoint? FallbackEndPoint(WebApplication app) =>
        (app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [])
            .Select(a => Uri.TryCreate(a, UriKind.Absolute, out var uri) ? uri : null)
            .Where(uri => uri is not null && uri.Scheme == Uri.UriSchemeHttp && uri.Port != _options.MetricsPort && IPAddress.TryParse(uri.Host, out var ip) && IPAddress.IsLoopback(ip))
            .Select(uri => new IPEndPoint(IPAddress.Loopback, uri!.Port))
            .FirstOrDefault();

    private WebApplication BuildHost(InMemoryConfigProvider proxyConfig)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "capstan-ingress", Args = HostArguments.NoConfigReload, ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new ForwardingLoggerProvider(_loggerFactory));

        // YARP logs every proxied request at Information: far too costly on the hot path.
        builder.Logging.AddFilter("Yarp", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);

        // Optionally run socket completions inline on the epoll threads rather than queueing each to the thread pool (a
        // proxy only awaits I/O and never blocks).
        builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = _options.InlineSocketCompletions);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null;
            // Plain HTTP is HTTP/1.1 only (no h2c preface sniffing per connection); HTTPS offers h2 by ALPN.
            if (UseHttp1Forwarder)
            {
                kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http1);
            }
            else
            {
                kestrel.Listen(_options.BindAddress, _options.HttpPort, listen => listen.Protocols = HttpProtocols.Http1);
            }

            // The certificate is chosen by SNI from the current snapshot, as a prebuilt context (chain included).
            kestrel.Listen(_options.BindAddress, _options.HttpsPort, listen => listen.UseHttps(new TlsHandshakeCallbackOptions
            {
                OnConnection = context => ValueTask.FromResult(new SslServerAuthenticationOptions
                {
                    ServerCertificateContext = Volatile.Read(ref _snapshot).Certificates.Find(context.ClientHelloInfo.ServerName) ?? _defaultCertificate,
                    ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],
                }),
            }));
            if (_options.MetricsPort > 0)
            {
                kestrel.Listen(IPAddress.Loopback, _options.MetricsPort, listen => listen.Protocols = HttpProtocols.Http1);
            }
        });
        builder.Services.AddSingleton<IProxyConfigProvider>(proxyConfig);
        builder.Services.AddReverseProxy().ConfigureHttpClient((_, handler) =>
        {
            // Keep-alive connections to the pods are the main saving over a connection per request; no proxy, cookies or decompression.
            handler.PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60);
            handler.ConnectTimeout = TimeSpan.FromSeconds(5);
        });
        var app = builder.Build();
        if (_options.MetricsPort > 0)
        {
            var metricsPort = _options.MetricsPort;
            app.Use((context, next) =>
            {
                if (context.Connection.LocalPort != metricsPort)
                {
                    return next(context);
                }

                context.Response.ContentType = "text/plain; version=0.0.4";
                return context.Response.WriteAsync(Metrics.ToPrometheusText(), context.RequestAborted);
            });
        }

        var routing = new IngressRoutingStep(() => Volatile.Read(ref _snapshot).Table, app.Services.GetRequiredService<IProxyStateLookup>(), Metrics);
        if (UseHttp1Forwarder)
        {
            _http1Router = new IngressHttp1Router(
                () => Volatile.Read(ref _snapshot).Table,
                app.Services.GetRequiredService<IProxyStateLookup>(),
                Metrics,
                app.Services.GetServices<IPassiveHealthCheckPolicy>().FirstOrDefault(p => p.Name == "TransportFailureRate"));
        }

        app.MapReverseProxy(proxy =>
        {
            // No session affinity step: Ingresses here configure none, and each step costs on every request.
            proxy.Use(routing.InvokeAsync);
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
        return app;
    }

    private static RouteConfig[] Routes() =>
    [
        new RouteConfig
        {
            RouteId = RouteId,
            ClusterId = UnroutedClusterId,
            Match = new RouteMatch { Path = "/{**path}" },

            // Backends see the Host the client asked for, as with other ingress controllers.
            Transforms = [new Dictionary<string, string> { ["RequestHeaderOriginalHost"] = "true" }],
        },
    ];

    private static List<ClusterConfig> Clusters(IngressSnapshot snapshot) =>
        [new ClusterConfig { ClusterId = UnroutedClusterId }, .. snapshot.Clusters];

    private IngressSnapshot Rebuild()
    {
        var snapshot = _builder.Build(_ingresses.Cache.List(), _classes.Cache.List(), _catalog.Services, key => _secrets.Cache.Get(key));
        // Each problem is logged once, not at every reload while it lasts.
        var warnings = _builder.Warnings.ToHashSet(StringComparer.Ordinal);
        foreach (var warning in warnings.Where(w => !_loggedWarnings.Contains(w)))
        {
            LogWarning(_logger, warning);
        }

        _loggedWarnings = warnings;

        Volatile.Write(ref _snapshot, snapshot);
        return snapshot;
    }

    private async Task ReloadLoopAsync(CancellationToken ct)
    {
        try
        {
            while (await _changes.Reader.WaitToReadAsync(ct).ConfigureAwait(false))
            {
                _changes.Reader.TryRead(out _);

                // Coalesce a burst (a rollout changes many slices at once) into one reload.
                await Task.Delay(_options.ReloadDelay, ct).ConfigureAwait(false);
                _changes.Reader.TryRead(out _);
                try
                {
                    var snapshot = Rebuild();
                    _proxyConfig!.Update(Routes(), Clusters(snapshot));
                    Interlocked.Increment(ref _generation);
                    await _status.UpdateAsync(snapshot.Ingresses, ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogReloadFailed(_logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private void Changed() => _changes.Writer.TryWrite(true);

    private void SecretChanged(JsonObject secret)
    {
        if (Volatile.Read(ref _snapshot).Secrets.Contains(secret.GetKey()))
        {
            Changed();
        }
    }

    private async Task EnsureIngressClassAsync(CancellationToken ct)
    {
        var kubernetes = _informers.Client.Kubernetes;
        try
        {
            await kubernetes.NetworkingV1.ReadIngressClassAsync(_options.ClassName, cancellationToken: ct).ConfigureAwait(false);
            return;
        }
        catch (k8s.Autorest.HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
        }

        try
        {
            await kubernetes.NetworkingV1.CreateIngressClassAsync(new V1IngressClass
            {
                Metadata = new V1ObjectMeta
                {
                    Name = _options.ClassName,
                    Annotations = new Dictionary<string, string> { [IngressAnnotations.IsDefaultClass] = "true" },
                },
                Spec = new V1IngressClassSpec { Controller = IngressOptions.ControllerName },
            }, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (k8s.Autorest.HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Conflict)
        {
            // Created meanwhile by another server.
        }
    }

    public async ValueTask DisposeAsync()
    {
        _catalogSubscription.Dispose();
        await _stop.CancelAsync().ConfigureAwait(false);
        _changes.Writer.TryComplete();
        await _reloads.ConfigureAwait(false);
        if (_http1 is not null)
        {
            await _http1.DisposeAsync().ConfigureAwait(false);
        }

        if (_app is not null)
        {
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _app.StopAsync(grace.Token).ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "ingress listening on HTTP {HttpPort} and HTTPS {HttpsPort}, serving {Count} Ingresses")]
    private static partial void LogStarted(ILogger logger, int httpPort, int httpsPort, int count);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "ingress: {Warning}")]
    private static partial void LogWarning(ILogger logger, string warning);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "ingress reload failed")]
    private static partial void LogReloadFailed(ILogger logger, Exception exception);
}
