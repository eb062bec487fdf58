using System.Security.Cryptography.X509Certificates;
using Capstan.Agent.Runtime;
using Capstan.Agent.Runtime.Cri;
using Capstan.Agent.Runtime.Fake;
using Capstan.Agent.Runtime.Process;
using Capstan.Agent.Streaming;
using Capstan.Network.Proxy;
using k8s;
using Microsoft.Extensions.Logging;

namespace Capstan.Agent;

/// <summary>One running node agent: its container runtime, the kubelet logic and the streaming server the API server proxies to.</summary>
public sealed class AgentHost : IAsyncDisposable
{
    private readonly FileStream _lock;
    private readonly IContainerRuntime _runtime;
    private readonly NodeAgent _agent;
    private readonly AgentStreamingServer _streaming;
    private readonly ServiceProxyHost? _proxy;

    private AgentHost(FileStream dataDirLock, IContainerRuntime runtime, NodeAgent agent, AgentStreamingServer streaming, ServiceProxyHost? proxy)
    {
        _lock = dataDirLock;
        _runtime = runtime;
        _agent = agent;
        _streaming = streaming;
        _proxy = proxy;
    }

    /// <summary>The cluster DNS of cri pods when --cluster-dns is not given: the tenth address of the cri default service CIDR 10.43.0.0/16.</summary>
    public static readonly System.Net.IPAddress CriClusterDns = System.Net.IPAddress.Parse("10.43.0.10");

    public NodeAgent Agent => _agent;

    public int StreamingPort => _streaming.Port;

    /// <summary>The node's service proxy; null with --disable-proxy.</summary>
    public ServiceProxyHost? Proxy => _proxy;

    /// <param name="clusterCa">Clients of the streaming port must present a certificate it signed (the API server does).</param>
    /// <param name="servingCertificate">The streaming port's certificate; a self-signed one when null.</param>
    public static async Task<AgentHost> StartAsync(
        IKubernetes client, AgentConfig config, X509Certificate2 clusterCa, X509Certificate2? servingCertificate, ILoggerFactory loggerFactory, CancellationToken ct)
    {
        var dataDirLock = TakeLock(config.DataDir);
        IContainerRuntime? runtime = null;
        NodeAgent? agent = null;
        AgentStreamingServer? streaming = null;
        try
        {
            runtime = await CreateRuntimeAsync(config, loggerFactory, ct).ConfigureAwait(false);
            agent = await NodeAgent.StartAsync(client, new AgentOptions
            {
                NodeName = config.NodeName,
                DataDir = config.DataDir,
                NodeIp = config.NodeIp,
                DaemonPort = config.Port,
                ControlPlane = config.ControlPlane,
                BackOffBase = config.BackOffBase,
                ConfigVolumeSyncPeriod = config.ConfigVolumeSyncPeriod,
                LocalPathRoot = config.LocalPathRoot,
                Eviction = config.Eviction,
                ClusterCidr = config.Runtime == "cri" ? config.ClusterCidr : null,
                ImageGcHighThresholdPercent = config.ImageGcHighThresholdPercent,
                ImageGcLowThresholdPercent = config.ImageGcLowThresholdPercent,
                Dns = new Capstan.Agent.Dns.PodDnsSettings { ClusterDns = [config.ClusterDns ?? (config.Runtime == "cri" ? CriClusterDns : Capstan.Agent.Dns.PodDnsSettings.DefaultClusterDns)], ClusterDomain = config.ClusterDomain },
            }, runtime, loggerFactory, ct).ConfigureAwait(false);
            streaming = await AgentStreamingServer.StartAsync(new AgentStreamingOptions
            {
                ListenAddress = config.NodeIp,
                Port = config.Port,
                ServingCertificate = servingCertificate,
                ClientCaCertificate = clusterCa,
            }, agent.PodDirectory, runtime, loggerFactory, ct).ConfigureAwait(false);
            var proxy = config.DisableProxy ? null : await ServiceProxyHost.StartAsync(
                client, new ServiceProxyOptions
                {
                    NodeName = config.NodeName,
                    NodeIp = config.NodeIp,
                    Relay = config.ProxyRelay,
                    // A joining cri agent is not told the CIDR: it assumes the cri default its cluster DNS is in.
                    ServiceAddresses = (config.ServiceCidr ?? (config.Runtime == "cri" ? Capstan.Commands.ServerCommand.CriServiceCidr : null)) is { } serviceCidr
                        ? new ServiceAddressOptions { ServiceCidr = System.Net.IPNetwork.Parse(serviceCidr) }
                        : null,
                }, config.ProxyMetricsPort, loggerFactory, ct).ConfigureAwait(false);
            return new AgentHost(dataDirLock, runtime, agent, streaming, proxy);
        }
        catch
        {
            if (streaming is not null)
            {
                await streaming.DisposeAsync().ConfigureAwait(false);
            }

            if (agent is not null)
            {
                await agent.DisposeAsync().ConfigureAwait(false);
            }

            if (runtime is not null)
            {
                await DisposeRuntimeAsync(runtime).ConfigureAwait(false);
            }

            await dataDirLock.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    // Two agents over one runtime state dir would fight over the same processes and pod IPs.
    private static FileStream TakeLock(string dataDir)
    {
        var agentDir = Path.Combine(dataDir, "agent");
        Directory.CreateDirectory(agentDir);
        var path = Path.Combine(agentDir, "agent.lock");
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new AgentDataDirInUseException($"another agent (or a server with its agent) is using the data dir {dataDir} (lock {path} is held); pass a different --data-dir");
        }
    }

    /// <summary>
    /// The process runtime over the agent's state dir (the same one a restarted agent re-adopts its pods from), the fake
    /// runtime, or the CRI runtime connected to its endpoint (containerd keeps the pods; a restarted agent lists them back).
    /// </summary>
    public static async Task<IContainerRuntime> CreateRuntimeAsync(AgentConfig config, ILoggerFactory loggerFactory, CancellationToken ct)
    {
        switch (config.Runtime)
        {
            case "process":
                return new ProcessRuntime(new ProcessRuntimeOptions(RuntimeStateDirectory(config.DataDir)) { PodCidr = config.PodCidr }, loggerFactory.CreateLogger<ProcessRuntime>());
            case "fake":
                return new FakeRuntime(config.PodCidr);
            case "cri":
                // containerd sets up no pod network by itself: without a CNI configuration every sandbox fails.
                await Capstan.Agent.Network.CniConfigWriter.EnsureAsync(new Capstan.Agent.Network.CniOptions
                {
                    ConfDir = config.CniConfDir,
                    PodCidr = Capstan.Agent.Network.CniConfigWriter.NodePodCidr(System.Net.IPNetwork.Parse(config.ClusterCidr)),
                }, ct).ConfigureAwait(false);
                var cri = new CriRuntime(new CriRuntimeOptions(config.ContainerRuntimeEndpoint), loggerFactory.CreateLogger<CriRuntime>());
                try
                {
                    await cri.ConnectAsync(ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    cri.Dispose();
                    throw new InvalidOperationException($"cannot reach the container runtime at {config.ContainerRuntimeEndpoint}: {ex.Message}", ex);
                }

                return cri;
            default:
                throw new ArgumentException($"unknown runtime \"{config.Runtime}\"; use process, cri or fake", nameof(config));
        }
    }

    public static string RuntimeStateDirectory(string dataDir) => Path.Combine(dataDir, "agent", "runtime");

    // Stopping the agent leaves its pods running, as the kubelet does: a restarted agent adopts them.
    public async ValueTask DisposeAsync()
    {
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync().ConfigureAwait(false);
        }

        await _streaming.DisposeAsync().ConfigureAwait(false);
        await _agent.DisposeAsync().ConfigureAwait(false);
        await DisposeRuntimeAsync(_runtime).ConfigureAwait(false);
        await _lock.DisposeAsync().ConfigureAwait(false);
    }

    private static async ValueTask DisposeRuntimeAsync(IContainerRuntime runtime)
    {
        switch (runtime)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }
}

public sealed class AgentDataDirInUseException(string message) : Exception(message);
