using System.Collections.Concurrent;
using System.Globalization;
using Capstan.Agent.Runtime;

namespace Capstan.Agent.Tests.Support;

/// <summary>
/// An in-memory container runtime: containers "run" from StartContainerAsync until the test exits them with a code
/// (<see cref="Exit"/>) or the agent stops them. It records starts and stops so tests can tell whether a container restarted.
/// </summary>
public sealed class TestRuntime : IContainerRuntime
{
    private readonly ConcurrentDictionary<string, PodSandbox> _sandboxes = new();
    private readonly ConcurrentDictionary<string, ContainerStatus> _containers = new();
    private readonly Lock _lock = new();
    private int _nextIp = 1;
    private int _nextId;

    public string Name => "test";

    public string Version => "0.1.0";

    public event EventHandler<ContainerEvent>? ContainerChanged;

    /// <summary>Answers exec probes and hooks; by default every command exits 0.</summary>
    public Func<ContainerStatus, IReadOnlyList<string>, ExecSyncResult> ExecHandler { get; set; } = (_, _) => new ExecSyncResult(0, [], [], false);

    /// <summary>When it returns a message for a container name, starting that container fails with it.</summary>
    public Func<string, string?> FailStart { get; set; } = _ => null;

    public ConcurrentQueue<string> Started { get; } = new();

    public ConcurrentQueue<(string Id, TimeSpan Grace)> Stopped { get; } = new();

    public ConcurrentQueue<ContainerConfig> Created { get; } = new();

    /// <summary>Every container id ever created, with its container name (kept after removal).</summary>
    public ConcurrentDictionary<string, string> NamesById { get; } = new();

    /// <summary>An image service makes the agent apply imagePullPolicy (as on the CRI runtime); null by default, as the process runtime.</summary>
    public IImageService? Images { get; set; }

    public ConcurrentQueue<PodSandboxConfig> SandboxConfigs { get; } = new();

    public Task<PodSandbox> RunPodSandboxAsync(PodSandboxConfig config, CancellationToken ct)
    {
        SandboxConfigs.Enqueue(config);
        lock (_lock)
        {
            var existing = _sandboxes.Values.FirstOrDefault(s => s.Uid == config.Uid && s.Attempt == config.Attempt);
            if (existing is not null)
            {
                return Task.FromResult(existing);
            }

            var sandbox = new PodSandbox("sb-" + Interlocked.Increment(ref _nextId).ToString(CultureInfo.InvariantCulture), config.Namespace, config.Name, config.Uid, config.Attempt,
                $"10.88.0.{_nextIp++}", SandboxState.Ready, DateTimeOffset.UtcNow, config.Labels);
            _sandboxes[sandbox.Id] = sandbox;
            return Task.FromResult(sandbox);
        }
    }

    public Task StopPodSandboxAsync(string sandboxId, CancellationToken ct)
    {
        foreach (var c in _containers.Values.Where(c => c.SandboxId == sandboxId && c.State == ContainerState.Running))
        {
            SetExited(c.Id, 137, "Error");
        }

        if (_sandboxes.TryGetValue(sandboxId, out var sandbox))
        {
            _sandboxes[sandboxId] = sandbox with { State = SandboxState.NotReady };
        }

        return Task.CompletedTask;
    }

    public Task RemovePodSandboxAsync(string sandboxId, CancellationToken ct)
    {
        _sandboxes.TryRemove(sandboxId, out _);
        foreach (var c in _containers.Values.Where(c => c.SandboxId == sandboxId))
        {
            _containers.TryRemove(c.Id, out _);
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<PodSandbox>> ListPodSandboxesAsync(CancellationToken ct) => Task.FromResult<IReadOnlyList<PodSandbox>>([.. _sandboxes.Values]);

    public Task<string> CreateContainerAsync(string sandboxId, ContainerConfig config, CancellationToken ct)
    {
        var id = "c" + Interlocked.Increment(ref _nextId).ToString("x8", CultureInfo.InvariantCulture);
        Created.Enqueue(config);
        NamesById[id] = config.Name;
        _containers[id] = new ContainerStatus(id, sandboxId, config.Name, config.Attempt, config.Image, ContainerState.Created, DateTimeOffset.UtcNow,
            null, null, 0, null, null, config.LogPath, config.Labels) { ImageRef = config.ImageRef };
        return Task.FromResult(id);
    }

    public Task StartContainerAsync(string containerId, CancellationToken ct)
    {
        var c = _containers[containerId];
        if (FailStart(c.Name) is { } failure)
        {
            throw new InvalidOperationException(failure);
        }

        _containers[containerId] = c with { State = ContainerState.Running, StartedAt = DateTimeOffset.UtcNow };
        Started.Enqueue(c.Name);
        ContainerChanged?.Invoke(this, new ContainerEvent(ContainerEventKind.Started, containerId, c.SandboxId, c.Labels));
        return Task.CompletedTask;
    }

    /// <summary>When set, a stopped container ignores SIGTERM: StopContainerAsync takes the whole grace period (or until cancelled).</summary>
    public bool IgnoreSigterm { get; set; }

    public async Task StopContainerAsync(string containerId, TimeSpan gracePeriod, CancellationToken ct)
    {
        Stopped.Enqueue((containerId, gracePeriod));
        if (IgnoreSigterm)
        {
            await Task.Delay(gracePeriod, ct);
        }

        if (_containers.TryGetValue(containerId, out var c) && c.State == ContainerState.Running)
        {
            SetExited(containerId, IgnoreSigterm ? 137 : 143, "Error");
        }
    }

    public Task RemoveContainerAsync(string containerId, CancellationToken ct)
    {
        _containers.TryRemove(containerId, out _);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<ContainerStatus>> ListContainersAsync(string? sandboxId, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<ContainerStatus>>([.. _containers.Values.Where(c => sandboxId is null || c.SandboxId == sandboxId)]);

    public Task<ContainerStatus?> ContainerStatusAsync(string containerId, CancellationToken ct) => Task.FromResult(_containers.GetValueOrDefault(containerId));

    public Task<ExecSyncResult> ExecSyncAsync(string containerId, IReadOnlyList<string> command, TimeSpan timeout, CancellationToken ct) =>
        Task.FromResult(_containers.TryGetValue(containerId, out var c) && c.State == ContainerState.Running
            ? ExecHandler(c, command)
            : new ExecSyncResult(-1, [], "container not running"u8.ToArray(), false));

    public Task<IStreamSession> ExecAsync(string containerId, ExecRequest request, CancellationToken ct) => throw new NotSupportedException();

    public Task<IStreamSession> AttachAsync(string containerId, bool tty, CancellationToken ct) => throw new NotSupportedException();

    /// <summary>The running (or latest) container of a pod's container.</summary>
    public ContainerStatus? Find(string podName, string containerName) =>
        _containers.Values.Where(c => c.Name == containerName && _sandboxes.TryGetValue(c.SandboxId, out var s) && s.Name == podName)
            .MaxBy(c => c.Attempt);

    public IReadOnlyList<PodSandbox> Sandboxes => [.. _sandboxes.Values];

    public IReadOnlyList<ContainerStatus> Containers => [.. _containers.Values];

    /// <summary>Makes a running container exit with <paramref name="code"/>, as if its process ended.</summary>
    public void Exit(string podName, string containerName, int code)
    {
        var c = Find(podName, containerName) ?? throw new InvalidOperationException($"no container {containerName} in pod {podName}");
        SetExited(c.Id, code, code == 0 ? "Completed" : "Error");
    }

    private void SetExited(string id, int code, string reason)
    {
        var c = _containers[id];
        _containers[id] = c with { State = ContainerState.Exited, FinishedAt = DateTimeOffset.UtcNow, ExitCode = code, Reason = reason };
        ContainerChanged?.Invoke(this, new ContainerEvent(ContainerEventKind.Exited, id, c.SandboxId, c.Labels));
    }
}
