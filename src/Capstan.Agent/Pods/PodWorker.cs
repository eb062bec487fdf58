using System.Net;
using Capstan.Agent.Runtime;
using Capstan.Agent.Volumes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Capstan.Agent.Pods;

/// <summary>
/// Drives one pod (by uid) towards its spec, the kubelet's syncPod: a loop woken by pod updates, runtime events, probe
/// results and timers, which each time reads the runtime's containers of the pod, takes the next steps (sandbox, init
/// containers in order, sidecars, containers, restarts with back-off, liveness kills) and posts the status if it changed.
/// Deletion stops the containers gracefully, removes the sandbox and finishes the pod's deletion.
/// </summary>
internal sealed partial class PodWorker
{
    private const string ContainerCreating = "ContainerCreating";
    private const string PodInitializing = "PodInitializing";
    private const string CrashLoopBackOff = "CrashLoopBackOff";

    /// <summary>What containers of a force-deleted pod get (the kubelet's minimum grace period).</summary>
    private static readonly TimeSpan ForceGrace = TimeSpan.FromSeconds(2);

    private readonly PodWorkerContext _ctx;
    private readonly ILogger _logger;
    private readonly WakeSignal _wake = new();
    private readonly ContainerBackOff _backOff;
    private readonly Dictionary<string, (string Reason, string Message)> _waiting = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ContainerProbes> _probes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Status, DateTime Transition)> _conditions = new(StringComparer.Ordinal);
    private readonly HashSet<string> _backOffReported = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string?> _logTails = new(StringComparer.Ordinal);
    private readonly Action<PodWorker> _onDone;
    private readonly Lock _teardownLock = new();
    private CancellationTokenSource? _teardownStop;
    private TimeSpan _teardownGrace;
    private V1Pod _pod;
    private volatile bool _gone;
    private PodSandbox? _sandbox;
    private bool _initialized;
    private bool _terminal;
    private bool _done;
    private bool _volumesReady;
    private DateTimeOffset _volumesRefreshAt;
    private volatile bool _volumesStale;
    private V1PodStatus? _terminalStatus;
    private string? _lastStatus;
    private DateTime? _startTime;
    private DateTimeOffset _nextWake;

    public PodWorker(PodWorkerContext ctx, V1Pod pod, Action<PodWorker> onDone)
    {
        _ctx = ctx;
        _logger = ctx.Logger;
        _pod = pod;
        _onDone = onDone;
        Uid = pod.Metadata.Uid;
        Namespace = pod.Metadata.NamespaceProperty ?? "default";
        Name = pod.Metadata.Name;
        _backOff = new ContainerBackOff(ctx.Options.BackOffBase, ctx.Options.MaxBackOff, ctx.Options.BackOffResetAfter);
        _terminal = PodPhases.IsTerminal(pod.Status?.Phase);
        _startTime = pod.Status?.StartTime;
    }

    public string Uid { get; }

    public string Namespace { get; }

    public string Name { get; }

    public Task Completion { get; private set; } = Task.CompletedTask;

    private TimeProvider Time => _ctx.Options.TimeProvider;

    private DateTimeOffset Now => Time.GetUtcNow();

    private string PodRef => $"{Name}_{Namespace}({Uid})";

    public void Start(CancellationToken ct) => Completion = Task.Run(() => RunAsync(ct), CancellationToken.None);

    public void Update(V1Pod pod)
    {
        Volatile.Write(ref _pod, pod);
        if (pod.Metadata.DeletionGracePeriodSeconds is { } grace)
        {
            InterruptTeardown(TimeSpan.FromSeconds(grace));
        }

        _wake.Set();
    }

    /// <summary>The pod object is gone from the API (force deleted): kill what runs and clean up.</summary>
    public void MarkGone()
    {
        _gone = true;
        InterruptTeardown(ForceGrace);
        _wake.Set();
    }

    /// <summary>A deletion with a shorter grace period (or a force deletion) cuts short the graceful stops under way.</summary>
    private void InterruptTeardown(TimeSpan grace)
    {
        lock (_teardownLock)
        {
            if (_teardownStop is not null && grace < _teardownGrace)
            {
                _teardownStop.Cancel();
            }
        }
    }

    public void Wake() => _wake.Set();

    /// <summary>A ConfigMap or Secret the pod mounts changed: rewrite its volumes on the next pass.</summary>
    public void RefreshVolumes()
    {
        _volumesStale = true;
        _wake.Set();
    }

    private async Task RunAsync(CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                _nextWake = Now + _ctx.Options.PodResyncInterval;
                try
                {
                    if (await SyncAsync(ct).ConfigureAwait(false))
                    {
                        return;
                    }
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    LogSyncFailed(ex, Namespace, Name);
                    Soon(TimeSpan.FromSeconds(1));
                }

                await _wake.WaitAsync(_nextWake - Now, Time, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var probes in _probes.Values)
            {
                await probes.DisposeAsync().ConfigureAwait(false);
            }

            _probes.Clear();
            if (_gone || _done)
            {
                _ctx.Directory.Remove(Namespace, Name, Uid);
                _onDone(this);
            }
        }
    }


    /// <summary>One pass; returns true when the worker is finished (the pod is gone and cleaned up).</summary>
    private async Task<bool> SyncAsync(CancellationToken ct)
    {
        var pod = Volatile.Read(ref _pod);
        if (_gone)
        {
            await TeardownAsync(pod, ForceGrace, ct).ConfigureAwait(false);
            _done = true;
            return true;
        }

        if (pod.Metadata.DeletionTimestamp is not null)
        {
            var grace = TimeSpan.FromSeconds(Math.Max(0, pod.Metadata.DeletionGracePeriodSeconds ?? pod.Spec.TerminationGracePeriodSeconds ?? 30));
            var final = await TeardownAsync(pod, grace, ct).ConfigureAwait(false);
            await PostStatusAsync(final, ct).ConfigureAwait(false);
            try
            {
                await _ctx.Client.CoreV1.DeleteNamespacedPodAsync(Name, Namespace, new V1DeleteOptions
                {
                    GracePeriodSeconds = 0,
                    Preconditions = new V1Preconditions { Uid = Uid },
                }, cancellationToken: ct).ConfigureAwait(false);
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Conflict)
            {
            }

            _done = true;
            return true;
        }

        if (_terminal)
        {
            // A finished pod runs nothing more; what still runs (sidecars) is stopped and the sandbox released.
            await StopRemainingAsync(pod, ct).ConfigureAwait(false);
            if (_terminalStatus is not null)
            {
                await PostStatusAsync(_terminalStatus, ct).ConfigureAwait(false);
            }

            return false;
        }

        var sandbox = await EnsureSandboxAsync(pod, ct).ConfigureAwait(false);
        var containers = await _ctx.Runtime.ListContainersAsync(sandbox.Id, ct).ConfigureAwait(false);
        if (await EnforceActiveDeadlineAsync(pod, sandbox, containers, ct).ConfigureAwait(false) || await EnforceEmptyDirLimitsAsync(pod, sandbox, containers, ct).ConfigureAwait(false))
        {
            return false;
        }

        if (await KillUnhealthyAsync(pod, containers, ct).ConfigureAwait(false) | await RestartChangedAsync(pod, sandbox, containers, ct).ConfigureAwait(false))
        {
            containers = await _ctx.Runtime.ListContainersAsync(sandbox.Id, ct).ConfigureAwait(false);
        }

        if (await EnsureVolumesAsync(pod, sandbox, ct).ConfigureAwait(false) && await StartStepAsync(pod, sandbox, containers, ct).ConfigureAwait(false))
        {
            containers = await _ctx.Runtime.ListContainersAsync(sandbox.Id, ct).ConfigureAwait(false);
        }

        await SyncProbesAsync(pod, sandbox, containers).ConfigureAwait(false);
        var status = BuildStatus(pod, sandbox, containers, podIsTerminal: false);
        if (PodPhases.IsTerminal(status.Phase))
        {
            _terminal = true;
            await StopRemainingAsync(pod, ct).ConfigureAwait(false);
            containers = await _ctx.Runtime.ListContainersAsync(sandbox.Id, ct).ConfigureAwait(false);
            status = BuildStatus(pod, sandbox, containers, podIsTerminal: true);
            _terminalStatus = status;
        }

        Publish(pod, _sandbox ?? sandbox, containers);
        await PostStatusAsync(status, ct).ConfigureAwait(false);
        return false;
    }

    /// <summary>
    /// spec.activeDeadlineSeconds, counted from the pod's startTime: once passed, the kubelet kills the containers and
    /// fails the pod with reason DeadlineExceeded.
    /// </summary>
    private async Task<bool> EnforceActiveDeadlineAsync(V1Pod pod, PodSandbox sandbox, IReadOnlyList<ContainerStatus> containers, CancellationToken ct)
    {
        if (pod.Spec.ActiveDeadlineSeconds is not { } seconds)
        {
            return false;
        }

        var deadline = new DateTimeOffset(_startTime ??= Seconds(Now.UtcDateTime), TimeSpan.Zero) + TimeSpan.FromSeconds(seconds);
        if (Now < deadline)
        {
            Soon(deadline - Now);
            return false;
        }

        const string message = "Pod was active on the node longer than the specified deadline";
        _ctx.Events.Pod(pod, "Normal", "DeadlineExceeded", message);
        await FailPodAsync(pod, sandbox, containers, "DeadlineExceeded", message, ct).ConfigureAwait(false);
        return true;
    }

    /// <summary>Kills the containers and stops the sandbox, then reports the pod Failed with <paramref name="reason"/> for good.</summary>
    private async Task FailPodAsync(V1Pod pod, PodSandbox sandbox, IReadOnlyList<ContainerStatus> containers, string reason, string message, CancellationToken ct, V1PodCondition? condition = null)
    {
        await StopContainersAsync(pod, containers, PodGrace(pod), ct).ConfigureAwait(false);
        await _ctx.Runtime.StopPodSandboxAsync(sandbox.Id, ct).ConfigureAwait(false);
        _sandbox = sandbox with { State = SandboxState.NotReady };
        var status = BuildStatus(pod, sandbox, await _ctx.Runtime.ListContainersAsync(sandbox.Id, ct).ConfigureAwait(false), podIsTerminal: true);
        status.Phase = PodPhases.Failed;
        status.Reason = reason;
        status.Message = message;
        if (condition is not null)
        {
            status.Conditions = [.. (status.Conditions ?? []).Where(c => c.Type != condition.Type), condition];
        }

        _terminal = true;
        _terminalStatus = status;
        Publish(pod, _sandbox, []);
        await PostStatusAsync(status, ct).ConfigureAwait(false);
    }

    // The kubelet resolves spec.runtimeClassName to its class's handler before it creates the sandbox; without the class
    // the pod cannot start, and says why in a FailedCreatePodSandBox event until the class appears.
    private async Task<string> RuntimeHandlerAsync(V1Pod pod, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(pod.Spec.RuntimeClassName))
        {
            return "";
        }

        try
        {
            return (await _ctx.Client.NodeV1.ReadRuntimeClassAsync(pod.Spec.RuntimeClassName, cancellationToken: ct).ConfigureAwait(false)).Handler;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            throw new InvalidOperationException($"RuntimeClass \"{pod.Spec.RuntimeClassName}\" not found", ex);
        }
    }

    private async Task<PodSandbox> EnsureSandboxAsync(V1Pod pod, CancellationToken ct)
    {
        if (_sandbox is { State: SandboxState.Ready } current)
        {
            return current;
        }

        var attempt = 0;
        // One listing serves adoption and the cleanup below: the process runtime checks each sandbox's init process to list it.
        var sandboxes = (await _ctx.Runtime.ListPodSandboxesAsync(ct).ConfigureAwait(false))
            .Where(s => s.Uid == Uid || s.Labels.GetValueOrDefault(ContainerLabels.PodUid) == Uid).ToList();
        if (_sandbox is null)
        {
            // Adopt what a previous agent started for this pod.
            var existing = sandboxes
                .OrderByDescending(s => s.Attempt)
                .FirstOrDefault();
            if (existing is { State: SandboxState.Ready })
            {
                _sandbox = existing;
                var adopted = await _ctx.Runtime.ListContainersAsync(existing.Id, ct).ConfigureAwait(false);
                _initialized |= adopted.Any(c => c.Labels.GetValueOrDefault(ContainerLabels.ContainerKind) == "regular");

                // Created but never started: the previous agent stopped between the two steps; create it again.
                foreach (var stale in adopted.Where(c => c.State == ContainerState.Created))
                {
                    await _ctx.Runtime.RemoveContainerAsync(stale.Id, ct).ConfigureAwait(false);
                }

                return existing;
            }

            attempt = existing is null ? 0 : existing.Attempt + 1;
        }
        else
        {
            attempt = _sandbox.Attempt + 1;
        }

        // A sandbox that died (its runtime restarted, say) is replaced; its containers go with it and restart in the new one.
        foreach (var dead in sandboxes.Where(s => s.State != SandboxState.Ready))
        {
            await _ctx.Runtime.StopPodSandboxAsync(dead.Id, ct).ConfigureAwait(false);
            await _ctx.Runtime.RemovePodSandboxAsync(dead.Id, ct).ConfigureAwait(false);
        }

        try
        {
            _sandbox = await RunSandboxAsync(pod, attempt, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // As the kubelet reports it; the recorder merges the repeats of each retry into one event's count.
            _ctx.Events.Pod(pod, "Warning", "FailedCreatePodSandBox", $"Failed to create pod sandbox: {ex.Message}");
            throw;
        }

        _initialized = false;
        return _sandbox;
    }

    private async Task<PodSandbox> RunSandboxAsync(V1Pod pod, int attempt, CancellationToken ct)
    {
        var handler = await RuntimeHandlerAsync(pod, ct).ConfigureAwait(false);
        Directory.CreateDirectory(_ctx.Options.PodLogDirectory(Namespace, Name, Uid));
        MemoryEmptyDir.MountAll(pod, name => _ctx.Options.EmptyDirPath(Uid, name));

        return await _ctx.Runtime.RunPodSandboxAsync(new PodSandboxConfig(
            Namespace,
            Name,
            Uid,
            attempt,
            string.IsNullOrEmpty(pod.Spec.Hostname) ? Name : pod.Spec.Hostname,
            _ctx.Options.PodLogDirectory(Namespace, Name, Uid),
            new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [ContainerLabels.PodUid] = Uid,
                [ContainerLabels.PodName] = Name,
                [ContainerLabels.PodNamespace] = Namespace,
                [ContainerLabels.Node] = _ctx.Options.NodeName,
            })
        {
            Dns = PodRuntimeConfig.Dns(pod, _ctx.Options.Dns),
            PortMappings = PodRuntimeConfig.PortMappings(pod),
            HostNetwork = pod.Spec.HostNetwork == true,
            CgroupParent = PodRuntimeConfig.CgroupParent(pod),
            Security = PodRuntimeConfig.SandboxSecurity(pod),
            RuntimeHandler = handler,
        }, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Sets up the pod's volumes before its first container starts, and refreshes ConfigMap, Secret and downward API
    /// files when they change (watched) and every ConfigVolumeSyncPeriod after; returns false while a volume cannot be set up (the pod waits in ContainerCreating).
    /// </summary>
    private async Task<bool> EnsureVolumesAsync(V1Pod pod, PodSandbox sandbox, CancellationToken ct)
    {
        if (_volumesReady && Now < _volumesRefreshAt && !_volumesStale)
        {
            return true;
        }

        _volumesStale = false;
        try
        {
            await _ctx.Volumes.SetUpAsync(pod, PodIpOf(pod, sandbox), ct).ConfigureAwait(false);
            _volumesReady = true;
        }
        catch (VolumeSetupException ex) when (!_volumesReady && ex.RetryAfter is { } retry)
        {
            Soon(retry);
            return false;
        }
        catch (VolumeSetupException ex) when (!_volumesReady)
        {
            _ctx.Events.Pod(pod, "Warning", "FailedMount", ex.Message);
            Soon(TimeSpan.FromSeconds(2));
            return false;
        }
        catch (VolumeSetupException)
        {
            // Running containers keep the files they have, as in Kubernetes, until the source is back.
        }

        _volumesRefreshAt = Now + _ctx.Options.ConfigVolumeSyncPeriod;
        Soon(_ctx.Options.ConfigVolumeSyncPeriod);
        return true;
    }

    private void Soon(TimeSpan delay)
    {
        var at = Now + delay;
        if (at < _nextWake)
        {
            _nextWake = at;
        }
    }

    private static bool IsSidecar(V1Container c) => c.RestartPolicy == "Always";

    private static ContainerStatus? Latest(IReadOnlyList<ContainerStatus> containers, string name) =>
        containers.Where(c => c.Name == name).MaxBy(c => (c.Attempt, c.CreatedAt));

    private static ContainerStatus? Previous(IReadOnlyList<ContainerStatus> containers, string name, ContainerStatus? latest) =>
        latest is null ? null : containers.Where(c => c.Name == name && c.Id != latest.Id && c.State == ContainerState.Exited).MaxBy(c => (c.Attempt, c.CreatedAt));

    private static bool ShouldRestart(string? policy, int exitCode) => (policy ?? "Always") switch
    {
        "Never" => false,
        "OnFailure" => exitCode != 0,
        _ => true,
    };

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "sync of pod {Namespace}/{Name} failed; retrying")]
    private partial void LogSyncFailed(Exception ex, string @namespace, string name);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "the API server rejected the status of pod {Namespace}/{Name}: {Response}")]
    private partial void LogStatusRejected(string @namespace, string name, string response);

    [LoggerMessage(EventId = 12, Level = LogLevel.Debug, Message = "started container {Container} (attempt {Attempt}) of pod {Namespace}/{Name} as {ContainerId}")]
    private partial void LogStarted(string container, int attempt, string @namespace, string name, string containerId);

    [LoggerMessage(EventId = 13, Level = LogLevel.Debug, Message = "stopping container {ContainerId} of pod {Namespace}/{Name} with a grace period of {GraceSeconds} s")]
    private partial void LogStopping(string containerId, string @namespace, string name, double graceSeconds);
}
