using System.Net;
using Capstan.Api.Hosting;
using Capstan.Api.Registry;
using Capstan.ApiServer.Authorization;
using Capstan.ApiServer.Caching;
using Capstan.ApiServer.Security;
using Capstan.ApiServer.Discovery;
using Capstan.ApiServer.Handlers;
using Capstan.ApiServer.Objects;
using Capstan.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Capstan.ApiServer.Hosting;

/// <summary>The API server: Kestrel over TLS in front of the router, the watch cache and the store.</summary>
public sealed class ApiServerHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly WatchCache _cache;
    private readonly ILoggerFactory _loggerFactory;
    private readonly CancellationTokenSource _inProcessStop = new();
    private IdleMemoryTrimmer? _trimmer;
    private Expiry.EventExpiry? _eventExpiry;
    private volatile bool _ready;

    private ApiServerHost(WebApplication app, WatchCache cache, ResourceStore store, ApiRouter router, ILoggerFactory loggerFactory)
    {
        _app = app;
        _cache = cache;
        _loggerFactory = loggerFactory;
        Store = store;
        Router = router;
    }

    public ResourceStore Store { get; }

    public ApiRouter Router { get; }

    /// <summary>The https://host:port the server listens on.</summary>
    public Uri Address { get; private set; } = new("https://127.0.0.1:6443");

    public bool IsReady => _ready;

    public void MarkReady() => _ready = true;

    /// <summary>Loads the watch cache from the store and builds (but does not start) the HTTP host.</summary>
    public static async Task<ApiServerHost> CreateAsync(ApiServerOptions options, IStore store, Authenticator authenticator, ILoggerFactory loggerFactory, CancellationToken ct)
    {
        var registry = ResourceRegistry.BuiltIn;
        var cache = new WatchCache(store, registry, loggerFactory.CreateLogger<WatchCache>());
        await cache.StartAsync(ct).ConfigureAwait(false);
        var resourceStore = new ResourceStore(store, cache, TimeProvider.System, new Allocation.ServiceAllocator(options.ServiceCidr));
        resourceStore.Admission.Add(new Admission.DefaultTolerationSeconds(options.DefaultNotReadyTolerationSeconds, options.DefaultUnreachableTolerationSeconds));
        resourceStore.Admission.Add(new Admission.DefaultStorageClass(cache));
        resourceStore.Admission.Add(new Admission.DefaultIngressClass(cache));
        resourceStore.Admission.Add(new Admission.PriorityAdmission(cache));
        resourceStore.Admission.Add(new Admission.RuntimeClassAdmission(cache));
        resourceStore.Admission.Add(new Admission.LimitRanger(cache));
        resourceStore.WriteValidation.Add(new Admission.ResourceQuotaAdmission(resourceStore));
        resourceStore.UpdateAdmission.Add(new Admission.PersistentVolumeClaimResize(cache));
        var rbac = new CacheRbacSource(cache);
        var authorizer = new RbacAuthorizer();
        resourceStore.Guards.Add(new Authorization.Escalation.RbacEscalationGuard(authorizer, rbac));
        resourceStore.Guards.Add(new CertificateSigningRequestAdmission(authorizer, rbac));
        var nodeAuthorizer = new Authorization.Node.NodeAuthorizer(new Authorization.Node.NodeGraph(cache));
        var security = new ClusterSecurity(authenticator, (user, request) =>
        {
            var attributes = request.IsResourceRequest
                ? RequestAttributes.ForResource(request.Verb, request.Group, request.Resource, request.Namespace, request.Name.Length > 0 ? request.Name : request.SelectedName, request.Subresource, request.Path)
                : RequestAttributes.ForNonResource(request.Verb, request.Path);
            // Node, then RBAC, as Kubernetes chains them: the node authorizer decides only for node identities.
            var decision = nodeAuthorizer.Authorize(user, attributes) ?? authorizer.Authorize(user, attributes, rbac);
            return decision.Allowed ? null : decision.Reason;
        });

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = HostArguments.NoConfigReload, ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = Http.BodyReader.MaxDrainBytes;
            k.Limits.MinRequestBodyDataRate = null;
            k.Limits.Http2.MaxStreamsPerConnection = 1000;
            k.AddServerHeader = false;
            k.Listen(options.BindAddress, options.Port, listen =>
            {
                listen.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1AndHttp2;
                listen.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificate = options.ServingCertificate,
                    ServerCertificateSelector = options.ServingCertificateSelector is { } select ? (_, _) => select() : null,
                    ClientCertificateMode = Microsoft.AspNetCore.Server.Kestrel.Https.ClientCertificateMode.AllowCertificate,

                    // Chains are checked by the authenticator against the cluster CA, not by the TLS layer.
                    ClientCertificateValidation = (_, _, _) => true,
                });
            });
        });

        var app = builder.Build();
        ApiServerHost? host = null;
        var router = new ApiRouter(
            registry,
            new DiscoveryDocuments(registry, options.AdvertiseAddress),
            new ResourceEndpoint(resourceStore),
            security,
            () => host?.IsReady ?? false,
            loggerFactory.CreateLogger<ApiRouter>());
        router.Extras.Add(new OpenApiEndpoint(registry));
        router.Extras.Add(new ReviewEndpoint(authorizer, rbac, authenticator) { NodeAuthorizer = nodeAuthorizer });
        router.Extras.Add(new Streaming.PodStreamEndpoint(resourceStore, registry, options.KubeletClientCertificateSelector ?? (options.KubeletClientCertificate is { } kubeletClient ? () => kubeletClient : () => null), loggerFactory.CreateLogger<Streaming.PodStreamEndpoint>()));
        router.SyncAuthorization = cache.SyncAsync;
        if (!string.IsNullOrEmpty(options.AuditLogPath))
        {
            router.Audit = new Audit.AuditLog(options.AuditLogPath, options.AuditLogMaxSizeMegabytes * 1024L * 1024L, loggerFactory.CreateLogger<Audit.AuditLog>(), options.AuditPolicy);
        }

        app.Run(router.HandleAsync);
        host = new ApiServerHost(app, cache, resourceStore, router, loggerFactory)
        {
            _eventExpiry = new Expiry.EventExpiry(store, cache, options.EventTtl, TimeProvider.System, loggerFactory.CreateLogger<Expiry.EventExpiry>()),
        };
        return host;
    }

    /// <summary>
    /// An API client that reaches this server in memory, through the same request pipeline as network clients but without
    /// socket or TLS, authenticated as <paramref name="user"/> and authorised by RBAC like any other user.
    /// </summary>
    public k8s.Kubernetes CreateInProcessClient(UserInfo user) =>
        new(new k8s.KubernetesClientConfiguration { Host = InProcessBaseUri }, new InProcessHandler(Router.HandleAsync, user, _inProcessStop.Token));

    /// <summary>The base URI of in-process clients; no request to it ever leaves the process.</summary>
    public const string InProcessBaseUri = "http://capstan.in-process/";

    public async Task StartAsync(CancellationToken ct)
    {
        await _app.StartAsync(ct).ConfigureAwait(false);
        _eventExpiry?.Start();
        if (Environment.GetEnvironmentVariable(IdleMemoryTrimmer.DisableVariable) != "1")
        {
            _trimmer ??= new IdleMemoryTrimmer(_loggerFactory.CreateLogger<IdleMemoryTrimmer>());
        }
        var addresses = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>();
        var first = addresses?.Addresses.FirstOrDefault();
        if (first is not null)
        {
            Address = new Uri(first.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        }
    }

    public async Task StopAsync(CancellationToken ct)
    {
        _ready = false;

        // In-process requests never pass through Kestrel: end their watches here.
        await _inProcessStop.CancelAsync().ConfigureAwait(false);
        await _app.StopAsync(ct).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_eventExpiry is not null)
        {
            await _eventExpiry.DisposeAsync().ConfigureAwait(false);
        }

        if (_trimmer is not null)
        {
            await _trimmer.DisposeAsync().ConfigureAwait(false);
        }

        await _inProcessStop.CancelAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        await _cache.DisposeAsync().ConfigureAwait(false);
        if (Router.Audit is not null)
        {
            await Router.Audit.DisposeAsync().ConfigureAwait(false);
        }

        _inProcessStop.Dispose();
    }
}
