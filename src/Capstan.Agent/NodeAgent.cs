using Capstan.Agent.Env;
using Capstan.Agent.Events;
using Capstan.Agent.Node;
using Capstan.Agent.Pods;
using Capstan.Agent.Probes;
using Capstan.Agent.Runtime;
using Capstan.Agent.Streaming;
using Capstan.Agent.Volumes;
using k8s;
using Microsoft.Extensions.Logging;

namespace Capstan.Agent;

/// <summary>
/// The node agent (Capstan's kubelet): registers the Node, renews its Lease, and runs the pods bound to it on
/// <see cref="IContainerRuntime"/>. <see cref="StartAsync"/> returns once the Node is registered and the pod informer has
/// synced (running pods re-adopted); disposing stops the agent but leaves the pods' containers running, so that the
/// next agent over the same runtime adopts them without a restart.
/// </summary>
public sealed class NodeAgent : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly EventRecorder _events;
    private readonly ProbeHandlers _probes;
    private readonly PodWorkers _workers;
    private readonly Task _statusLoop;
    private readonly Task _leaseLoop;
    private readonly InformerServiceSource _services;
    private Storage.LocalPathProvisioner? _provisioner;
    private Task _provisionerInformers = Task.CompletedTask;
    private Task _evictionLoop = Task.CompletedTask;

    private NodeAgent(AgentOptions options, PodDirectory directory, CancellationTokenSource stop, EventRecorder events, ProbeHandlers probes, PodWorkers workers, Task statusLoop, Task leaseLoop, InformerServiceSource services)
    {
        _services = services;
        Options = options;
        PodDirectory = directory;
        _stop = stop;
        _events = events;
        _probes = probes;
        _workers = workers;
        _statusLoop = statusLoop;
        _leaseLoop = leaseLoop;
    }

    public AgentOptions Options { get; }

    /// <summary>For the streaming server: which runtime container serves a pod's container, its logs, the pod's IP.</summary>
    public IPodDirectory PodDirectory { get; }

    /// <summary>Pods this agent currently runs a worker for.</summary>
    public int PodCount => _workers.Count;

    public static async Task<NodeAgent> StartAsync(IKubernetes client, AgentOptions options, IContainerRuntime runtime, ILoggerFactory loggerFactory, CancellationToken ct)
    {
        Directory.CreateDirectory(options.AgentDir);
        Directory.CreateDirectory(options.PodLogRoot);
        var stop = new CancellationTokenSource();
        var events = new EventRecorder(client, options.NodeName, options.TimeProvider, loggerFactory.CreateLogger<EventRecorder>());
        var probes = new ProbeHandlers(runtime);
        PodWorkers? workers = null;
        var services = new InformerServiceSource(client, loggerFactory, options.TimeProvider);
        try
        {
            var machine = MachineInfo.Read(options.DataDir);
            var pressure = new Eviction.NodePressureState();
            var reporter = new NodeStatusReporter(client, options, runtime, machine, events, loggerFactory.CreateLogger<NodeStatusReporter>(), pressure);
            await reporter.RegisterAsync(ct).ConfigureAwait(false);
            var lease = new NodeLeaseRenewer(client, options, () => reporter.NodeUid, loggerFactory.CreateLogger<NodeLeaseRenewer>());
            await lease.RenewAsync(ct).ConfigureAwait(false);
            var statusLoop = Task.Run(() => reporter.RunAsync(stop.Token), CancellationToken.None);
            var leaseLoop = Task.Run(() => lease.RunAsync(stop.Token), CancellationToken.None);

            var allocatable = NodeStatusBuilder.Allocatable(options, machine);
            var configSource = new ApiConfigSource(client);
            services.Start();
            var env = new EnvBuilder(configSource, new NodeAllocatable(
                (long)(allocatable["cpu"].ToDecimal() * 1000m),
                (long)allocatable["memory"].ToDecimal(),
                (long)allocatable["ephemeral-storage"].ToDecimal()), services);
            var directory = new PodDirectory();
            var volumeConfig = new Volumes.Config.WatchedConfigCache(configSource);
            var context = new PodWorkerContext(client, runtime, options, events, probes, env, directory, new PodVolumes(options, volumeConfig, env, new Volumes.Persistent.ClaimVolumes(client, options.TimeProvider)), loggerFactory.CreateLogger<PodWorker>())
            {
                ConfigCache = volumeConfig,
                Images = runtime.Images is { } images ? new Images.ImagePuller(images, (pod, token) => Images.PullSecrets.KeyringAsync(configSource, pod, token), options.TimeProvider) : null,
            };
            workers = new PodWorkers(context, loggerFactory);
            await workers.StartAsync(ct).ConfigureAwait(false);
            var agent = new NodeAgent(options, directory, stop, events, probes, workers, statusLoop, leaseLoop, services);
            if (options.Eviction is { } eviction)
            {
                Eviction.IEvictionSignalSource signals = new Eviction.MachineSignalSource(options.DataDir);
                if (eviction.SignalsFile is { Length: > 0 } file)
                {
                    signals = new Eviction.FileSignalSource(file, signals);
                }

                var manager = new Eviction.EvictionManager(eviction, signals, workers, pressure, events, options.TimeProvider, loggerFactory.CreateLogger<Eviction.EvictionManager>());
                agent._evictionLoop = Task.Run(() => manager.RunAsync(stop.Token), CancellationToken.None);
            }
            if (options.EnableLocalPathProvisioner)
            {
                agent._provisioner = new Storage.LocalPathProvisioner(client, options.NodeName, options.StorageRoot, loggerFactory, options.TimeProvider);
                agent._provisionerInformers = agent._provisioner.RunInformersAsync(stop.Token);
                await agent._provisioner.StartAsync(ct).ConfigureAwait(false);
            }

            return agent;
        }
        catch
        {
            await stop.CancelAsync().ConfigureAwait(false);
            if (workers is not null)
            {
                await workers.DisposeAsync().ConfigureAwait(false);
            }

            await events.DisposeAsync().ConfigureAwait(false);
            await services.DisposeAsync().ConfigureAwait(false);
            probes.Dispose();
            stop.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_provisioner is not null)
        {
            await _provisioner.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await _provisionerInformers.ConfigureAwait(false);
            _provisioner.Dispose();
        }

        await _evictionLoop.ConfigureAwait(false);
        await _workers.DisposeAsync().ConfigureAwait(false);
        await Task.WhenAll(_statusLoop, _leaseLoop).ConfigureAwait(false);
        await _events.DisposeAsync().ConfigureAwait(false);
        await _services.DisposeAsync().ConfigureAwait(false);
        _probes.Dispose();
        _stop.Dispose();
    }
}
