using System.Net;
using System.Net.Sockets;
using Capstan.Api.Registry;
using Capstan.ApiServer.Encryption;
using Capstan.ApiServer.Hosting;
using Capstan.ApiServer.Security;
using Capstan.Client.Dynamic;
using Capstan.Client.Informers;
using Capstan.Storage;
using Capstan.Storage.Sqlite;
using Capstan.Agent;
using Capstan.Controllers;
using Capstan.Scheduler;
using k8s;
using Microsoft.Extensions.Logging;

namespace Capstan.Server;

/// <summary>
/// One `capstan server`: takes the data dir's lock, loads or creates its PKI, opens the datastore, serves the API,
/// creates the bootstrap objects and runs the controllers. Tests start it in-process the same way.
/// </summary>
public sealed partial class CapstanServer : IAsyncDisposable
{
    private readonly FileStream _lock;
    private readonly IStore _store;
    private readonly ApiServerHost _api;
    private readonly ILoggerFactory _loggerFactory;
    private readonly CancellationTokenSource _controllersStop = new();
    private Kubernetes? _controllerClient;
    private Kubernetes? _schedulerClient;
    private Kubernetes? _agentClient;
    private Task _controllers = Task.CompletedTask;
    private Task _scheduler = Task.CompletedTask;
    // One cache of pods, nodes and the rest for the controllers and the scheduler together: at 10,000 pods each copy costs
    // about a hundred MiB of JSON trees.
    private SharedInformerFactory? _controlPlaneInformers;
    private AgentHost? _agent;
    private CertificateRotator? _certificates;
    private IAsyncDisposable? _heapTrimmer;
    private Kubernetes? _fakeNodeClient;
    private Capstan.Agent.FakeNodes.FakeNodePool? _fakeNodes;

    private CapstanServer(ServerConfig config, FileStream dataDirLock, ClusterPki pki, IStore store, ApiServerHost api, ILoggerFactory loggerFactory)
    {
        Config = config;
        _lock = dataDirLock;
        Pki = pki;
        _store = store;
        _api = api;
        _loggerFactory = loggerFactory;
    }

    public ServerConfig Config { get; }

    public ClusterPki Pki { get; }

    public Uri Address => _api.Address;

    public string KubeconfigPath => Pki.KubeconfigPath;

    public static async Task<CapstanServer> StartAsync(ServerConfig config, CancellationToken ct)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        Directory.CreateDirectory(config.DataDir);
        var dataDirLock = TakeLock(config.DataDir);
        var loggerFactory = LoggerFactory.Create(b => b
            .SetMinimumLevel(config.LogLevel)

            // Per-request lines from ASP.NET cost CPU and fill disks under load; requests are not logged below Warning.
            .AddFilter("Microsoft.AspNetCore", config.LogLevel > LogLevel.Warning ? config.LogLevel : LogLevel.Warning)
            .AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning)
            .AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            }));
        var logger = loggerFactory.CreateLogger<CapstanServer>();
        try
        {
            var pki = ClusterPki.LoadOrCreate(config.DataDir, new PkiOptions { Port = config.HttpsPort, ExtraSans = [.. config.TlsSans, FirstServiceIp(config.ServiceCidr)], LeafValidity = config.CertificateValidity });
            Directory.CreateDirectory(Path.Combine(config.DataDir, "db"));
            IStore store = await SqliteStore.OpenAsync(Path.Combine(config.DataDir, "db", "state.db"), new SqliteStoreOptions(), ct).ConfigureAwait(false);
            var encrypted = EncryptedResources.Resolve(ResourceRegistry.BuiltIn, config.EncryptResources);
            EncryptionAdmin? encryption = null;
            if (encrypted.Count > 0)
            {
                var encrypting = new EncryptingStore(store, new AesGcmTransformer(EncryptionKeyRing.LoadOrCreate(config.DataDir)), encrypted);
                encryption = new EncryptionAdmin(encrypting, TimeProvider.System);
                store = encrypting;
            }

            var serviceAccountTokens = new ServiceAccountTokenSetup(pki.ServiceAccountSigningKey);
            var authenticator = new Authenticator(pki.CaCertificate, pki.StaticTokens, [serviceAccountTokens.Validator]);
            var api = await ApiServerHost.CreateAsync(
                new ApiServerOptions
                {
                    BindAddress = config.BindAddress,
                    Port = config.HttpsPort,
                    ServingCertificate = pki.ServingCertificate,
                    ServingCertificateSelector = () => pki.ServingCertificate,
                    KubeletClientCertificateSelector = () => pki.KubeletClientCertificate,
                    ServiceCidr = config.ServiceCidr,
                    AuditLogPath = config.AuditLogPath,
                    AuditLogMaxSizeMegabytes = config.AuditLogMaxSizeMegabytes,
                    AuditPolicy = config.AuditPolicy,
                    DefaultNotReadyTolerationSeconds = config.DefaultNotReadyTolerationSeconds,
                    DefaultUnreachableTolerationSeconds = config.DefaultUnreachableTolerationSeconds,
                    AdvertiseAddress = $"{(config.BindAddress.Equals(IPAddress.Any) ? "127.0.0.1" : config.BindAddress.ToString())}:{config.HttpsPort}",
                    EventTtl = config.EventTtl,
                },
                store,
                authenticator,
                loggerFactory,
                ct).ConfigureAwait(false);
            serviceAccountTokens.Attach(api);
            var identity = new NodeIdentityEndpoint(pki);
            api.Router.Extras.Add(identity);
            if (encryption is not null)
            {
                api.Router.Extras.Add(new SecretsEncryptEndpoint(encryption));
            }

            api.Router.CaBundle = identity.WriteCaAsync;
            await Bootstrap.EnsureAsync(api.Store, BootstrapRbac().Append(DefaultStorageClass.Build()).Concat(Capstan.ApiServer.Admission.SystemPriorityClasses.Build()), config.HttpsPort, FirstServiceIp(config.ServiceCidr), ct).ConfigureAwait(false);
            await api.StartAsync(ct).ConfigureAwait(false);
            api.MarkReady();
            logger.LogInformation("capstan server ready at {Address} in {Elapsed} ms; kubeconfig: {Kubeconfig}",
                api.Address, started.ElapsedMilliseconds, pki.KubeconfigPath);
            var server = new CapstanServer(config, dataDirLock, pki, store, api, loggerFactory);
            server._certificates = CertificateRotator.Start(pki, config.CertificateCheckInterval, loggerFactory.CreateLogger<CertificateRotator>());
            if (config.TrimHeap)
            {
                server._heapTrimmer = HeapTrimmer.Acquire(loggerFactory.CreateLogger<HeapTrimmer>());
            }
            if (!config.DisableControllerManager)
            {
                server.StartControllers();
            }

            if (!config.DisableScheduler)
            {
                server.StartScheduler();
            }

            await server.StartIngressAsync(ct).ConfigureAwait(false);
            try
            {
                await server.StartDnsAsync(ct).ConfigureAwait(false);
            }
            catch
            {
                await server.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            if (config.Agent is { } agentConfig)
            {
                try
                {
                    await server.StartAgentAsync(agentConfig, ct).ConfigureAwait(false);
                }
                catch
                {
                    await server.DisposeAsync().ConfigureAwait(false);
                    throw;
                }
            }

            if (config.FakeNodes is { } fakeNodes)
            {
                try
                {
                    await server.StartFakeNodesAsync(fakeNodes, ct).ConfigureAwait(false);
                }
                catch
                {
                    await server.DisposeAsync().ConfigureAwait(false);
                    throw;
                }
            }

            return server;
        }
        catch
        {
            await dataDirLock.DisposeAsync().ConfigureAwait(false);
            loggerFactory.Dispose();
            throw;
        }
    }

    private static IEnumerable<System.Text.Json.Nodes.JsonObject> BootstrapRbac()
    {
        foreach (var role in BootstrapPolicy.ClusterRoles())
        {
            role.ApiVersion = "rbac.authorization.k8s.io/v1";
            role.Kind = "ClusterRole";
            yield return System.Text.Json.Nodes.JsonNode.Parse(k8s.KubernetesJson.Serialize(role))!.AsObject();
        }

        foreach (var binding in BootstrapPolicy.ClusterRoleBindings())
        {
            binding.ApiVersion = "rbac.authorization.k8s.io/v1";
            binding.Kind = "ClusterRoleBinding";
            yield return System.Text.Json.Nodes.JsonNode.Parse(k8s.KubernetesJson.Serialize(binding))!.AsObject();
        }
    }

    // The controllers reach the API in memory, as system:kube-controller-manager (RBAC, admission and validation apply).
    private void StartControllers()
    {
        _controllerClient = CreateInProcessClient(SystemUsers.KubeControllerManager);
        _controlPlaneInformers = new SharedInformerFactory(new DynamicClient(_controllerClient), _loggerFactory);
        _controllers = ControllerManager.RunAsync(_controllerClient, new ControllerManagerOptions
        {
            Informers = _controlPlaneInformers,
            AutoRollbackByDefault = Config.AutoRollbackByDefault,
            CanaryMetrics = new InProcessCanaryMetrics(() => _agent?.Proxy?.Proxy.Metrics, () => _ingress?.Metrics),
            // The `kubernetes` Service's endpoints: the address clients of the service proxy are sent to.
            KubernetesServiceEndpoint = new IPEndPoint(Config.BindAddress.Equals(IPAddress.Any) ? IPAddress.Loopback : Config.BindAddress, Config.HttpsPort),
            RootCaPem = Pki.CaCertificatePem,
            ClusterSigning = (Path.Combine(Config.DataDir, ClusterPki.CaCertificateFile), Path.Combine(Config.DataDir, ClusterPki.CaKeyFile)),
            NodeLifecycle = new Capstan.Controllers.NodeLifecycle.NodeLifecycleOptions { NodeMonitorGracePeriod = Config.NodeMonitorGracePeriod },
        }, _loggerFactory, _controllersStop.Token);
    }

    private void StartScheduler()
    {
        _schedulerClient = CreateInProcessClient(SystemUsers.KubeScheduler);
        _scheduler = SchedulerService.RunAsync(_schedulerClient, new SchedulerOptions { Profiles = Config.SchedulerProfiles, Informers = _controlPlaneInformers }, _loggerFactory, _controllersStop.Token);
    }

    // The embedded agent is a node like any other, system:node:<name>, reaching the API in memory. Its streaming port
    // gets a serving certificate from the cluster CA.
    private async Task StartAgentAsync(AgentConfig agentConfig, CancellationToken ct)
    {
        _agentClient = CreateInProcessClient(NodeIdentityEndpoint.NodeUserPrefix + agentConfig.NodeName, SystemGroups.Nodes, SystemGroups.Authenticated);
        var sans = new[] { agentConfig.NodeIp.ToString(), agentConfig.NodeName, "localhost", "127.0.0.1" }.Distinct().ToArray();
        var serving = Pki.IssueServingCertificate(agentConfig.NodeName, sans, TimeSpan.FromDays(365));
        _agent = await AgentHost.StartAsync(_agentClient, agentConfig with { ControlPlane = true, ClusterDns = agentConfig.ClusterDns ?? ClusterDnsIp(Config.ServiceCidr), ServiceCidr = agentConfig.ServiceCidr ?? Config.ServiceCidr }, Pki.CaCertificate, serving, _loggerFactory, ct).ConfigureAwait(false);
    }

    // Simulated nodes act for many nodes at once, so they cannot be one system:node:<name> (the Node authorizer keeps a
    // node to its own objects); they hold the nodes group's RBAC roles under an identity of their own.
    private async Task StartFakeNodesAsync(Capstan.Agent.FakeNodes.FakeNodeOptions options, CancellationToken ct)
    {
        _fakeNodeClient = CreateInProcessClient("system:capstan:fake-nodes", SystemGroups.Nodes, SystemGroups.Authenticated);
        // Their pod events come from the control plane's pod informer when it runs: a watch of their own decoded every pod
        // event a second time (~10 % of the server's allocation per pod at 5,000 nodes). Their writes stay their own.
        _fakeNodes = await Capstan.Agent.FakeNodes.FakeNodePool.StartAsync(_fakeNodeClient, options, _controlPlaneInformers, _loggerFactory, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// An API client for code running inside this server (controller manager, scheduler, embedded node agent): it calls the
    /// API server's request pipeline in memory, with no socket or TLS, authenticated as <paramref name="userName"/> in
    /// <paramref name="groups"/> and authorised, admitted and validated like any request. The caller disposes it.
    /// </summary>
    public Kubernetes CreateInProcessClient(string userName, params string[] groups) =>
        _api.CreateInProcessClient(new UserInfo(userName, groups));

    /// <summary>A free loopback port, for tests and benchmarks that start servers side by side.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static FileStream TakeLock(string dataDir)
    {
        var path = Path.Combine(dataDir, "server.lock");
        try
        {
            // FileShare.None is an exclusive flock on Linux: a second server on the same data dir fails here.
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            stream.SetLength(0);
            var pid = System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            stream.Write(pid);
            stream.Flush();
            return stream;
        }
        catch (IOException)
        {
            throw new DataDirInUseException($"another capstan server is already using the data dir {dataDir} (lock {path} is held); stop it first or pass a different --data-dir");
        }
    }

    private static string FirstServiceIp(string cidr)
    {
        var slash = cidr.IndexOf('/');
        var network = IPAddress.Parse(slash < 0 ? cidr : cidr[..slash]).GetAddressBytes();
        network[^1]++;
        return new IPAddress(network).ToString();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_agent is not null)
            {
                await _agent.DisposeAsync().ConfigureAwait(false);
            }

            await StopIngressAsync().ConfigureAwait(false);
            if (_fakeNodes is not null)
            {
                await _fakeNodes.DisposeAsync().ConfigureAwait(false);
            }

            await _controllersStop.CancelAsync().ConfigureAwait(false);
            await StopDnsAsync().ConfigureAwait(false);
            try
            {
                // Controllers stop at cancellation; the bound keeps a stuck one from holding up shutdown.
                await Task.WhenAll(_controllers, _scheduler).WaitAsync(TimeSpan.FromSeconds(15)).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
            {
            }

            if (_controlPlaneInformers is not null)
            {
                try
                {
                    await _controlPlaneInformers.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                }
            }

            _controllerClient?.Dispose();
            _schedulerClient?.Dispose();
            _agentClient?.Dispose();
            _fakeNodeClient?.Dispose();

            // Open watches would hold a graceful shutdown for the host's full timeout; give requests 5 s, then abort them.
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _api.StopAsync(grace.Token).ConfigureAwait(false);
        }
        finally
        {
            await _api.DisposeAsync().ConfigureAwait(false);
            await _store.DisposeAsync().ConfigureAwait(false);
            if (_certificates is not null)
            {
                await _certificates.DisposeAsync().ConfigureAwait(false);
            }

            if (_heapTrimmer is not null)
            {
                await _heapTrimmer.DisposeAsync().ConfigureAwait(false);
            }

            Pki.Dispose();
            await _lock.DisposeAsync().ConfigureAwait(false);
            _loggerFactory.Dispose();
        }
    }
}

public sealed class DataDirInUseException(string message) : Exception(message);
