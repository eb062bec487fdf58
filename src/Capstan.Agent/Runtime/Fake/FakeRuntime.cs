using System.Security.Cryptography;
using Capstan.Agent.Runtime.Process;

namespace Capstan.Agent.Runtime.Fake;

/// <summary>
/// A runtime that runs nothing, for scale tests (the KWOK idea): sandboxes get IPs from a CIDR, containers are Running as
/// soon as they are started and stay so until stopped or until a test calls <see cref="ExitContainer"/>; exec succeeds
/// with no output unless <see cref="ExecHandler"/> says otherwise. Thread-safe; a few hundred bytes per container.
/// </summary>
public sealed class FakeRuntime : IContainerRuntime
{
    private readonly Lock _lock = new();
    private readonly PodIpPool _ips;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, PodSandbox> _sandboxes = [];
    private readonly Dictionary<string, Container> _containers = [];

    public FakeRuntime(string podCidr = "10.88.0.0/16", TimeProvider? timeProvider = null)
    {
        _ips = new PodIpPool(podCidr);
        _time = timeProvider ?? TimeProvider.System;
    }

    public string Name => "fake";

    public string Version => "0.1.0";

    /// <summary>Answers ExecSync and Exec (container id, command); null: exit 0 with no output.</summary>
    public Func<string, IReadOnlyList<string>, ExecSyncResult>? ExecHandler { get; set; }

    public event EventHandler<ContainerEvent>? ContainerChanged;

    /// <summary>Makes a running container exit as if its process had (tests); false when it is not running.</summary>
    public bool ExitContainer(string containerId, int exitCode, string? reason = null)
    {
        Container? container;
        lock (_lock)
        {
            if (!_containers.TryGetValue(containerId, out container) || container.Status.State != ContainerState.Running)
            {
                return false;
            }

            container.Status = container.Status with
            {
                State = ContainerState.Exited,
                ExitCode = exitCode,
                FinishedAt = _time.GetUtcNow(),
                Reason = reason ?? (exitCode == 0 ? "Completed" : "Error"),
            };
        }

        container.Exited.TrySetResult(exitCode);
        Raise(ContainerEventKind.Exited, container.Status);
        return true;
    }

    public Task<PodSandbox> RunPodSandboxAsync(PodSandboxConfig config, CancellationToken ct)
    {
        lock (_lock)
        {
            var existing = _sandboxes.Values.FirstOrDefault(s => s.Uid == config.Uid && s.Attempt == config.Attempt);
            if (existing is not null)
            {
                return Task.FromResult(existing);
            }

            var sandbox = new PodSandbox(NewId(), config.Namespace, config.Name, config.Uid, config.Attempt, _ips.Allocate(), SandboxState.Ready,
                _time.GetUtcNow(), config.Labels);
            _sandboxes[sandbox.Id] = sandbox;
            return Task.FromResult(sandbox);
        }
    }

    public Task StopPodSandboxAsync(string sandboxId, CancellationToken ct)
    {
        List<string> running;
        lock (_lock)
        {
            if (!_sandboxes.TryGetValue(sandboxId, out var sandbox))
            {
                return Task.CompletedTask;
            }

            if (sandbox.State == SandboxState.Ready)
            {
                _ips.Release(sandbox.Ip);
                _sandboxes[sandboxId] = sandbox with { State = SandboxState.NotReady };
            }

            running = [.. _containers.Values.Where(c => c.Status.SandboxId == sandboxId && c.Status.State == ContainerState.Running).Select(c => c.Status.Id)];
        }

        foreach (var id in running)
        {
            ExitContainer(id, 137);
        }

        return Task.CompletedTask;
    }

    public async Task RemovePodSandboxAsync(string sandboxId, CancellationToken ct)
    {
        await StopPodSandboxAsync(sandboxId, ct).ConfigureAwait(false);
        lock (_lock)
        {
            _sandboxes.Remove(sandboxId);
            foreach (var id in _containers.Values.Where(c => c.Status.SandboxId == sandboxId).Select(c => c.Status.Id).ToList())
            {
                _containers.Remove(id);
            }
        }
    }

    public Task<IReadOnlyList<PodSandbox>> ListPodSandboxesAsync(CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<PodSandbox>>([.. _sandboxes.Values]);
        }
    }

    public Task<string> CreateContainerAsync(string sandboxId, ContainerConfig config, CancellationToken ct)
    {
        lock (_lock)
        {
            if (!_sandboxes.TryGetValue(sandboxId, out var sandbox) || sandbox.State != SandboxState.Ready)
            {
                throw new InvalidOperationException($"sandbox {sandboxId} is not ready");
            }

            var id = NewId();
            _containers[id] = new Container(new ContainerStatus(id, sandboxId, config.Name, config.Attempt, config.Image, ContainerState.Created,
                _time.GetUtcNow(), null, null, 0, null, null, config.LogPath, config.Labels));
            return Task.FromResult(id);
        }
    }

    public Task StartContainerAsync(string containerId, CancellationToken ct)
    {
        Container container;
        lock (_lock)
        {
            container = Get(containerId);
            if (container.Status.State != ContainerState.Created)
            {
                throw new InvalidOperationException($"container {containerId} is {container.Status.State}, not created");
            }

            container.Status = container.Status with { State = ContainerState.Running, StartedAt = _time.GetUtcNow() };
        }

        Raise(ContainerEventKind.Started, container.Status);
        return Task.CompletedTask;
    }

    public Task StopContainerAsync(string containerId, TimeSpan gracePeriod, CancellationToken ct)
    {
        // A fake process honours SIGTERM at once: exit code 143 (128 + 15).
        ExitContainer(containerId, 143);
        return Task.CompletedTask;
    }

    public Task RemoveContainerAsync(string containerId, CancellationToken ct)
    {
        ExitContainer(containerId, 137);
        lock (_lock)
        {
            _containers.Remove(containerId);
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<ContainerStatus>> ListContainersAsync(string? sandboxId, CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<ContainerStatus>>(
                [.. _containers.Values.Where(c => sandboxId is null || c.Status.SandboxId == sandboxId).Select(c => c.Status)]);
        }
    }

    public Task<ContainerStatus?> ContainerStatusAsync(string containerId, CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult(_containers.TryGetValue(containerId, out var container) ? container.Status : null);
        }
    }

    public Task<ExecSyncResult> ExecSyncAsync(string containerId, IReadOnlyList<string> command, TimeSpan timeout, CancellationToken ct)
    {
        lock (_lock)
        {
            Get(containerId);
        }

        return Task.FromResult(ExecHandler?.Invoke(containerId, command) ?? new ExecSyncResult(0, [], [], false));
    }

    public async Task<IStreamSession> ExecAsync(string containerId, ExecRequest request, CancellationToken ct)
    {
        var result = await ExecSyncAsync(containerId, request.Command, Timeout.InfiniteTimeSpan, ct).ConfigureAwait(false);
        return new FakeStreamSession(request.Stdin ? Stream.Null : null, request.Stdout ? new MemoryStream(result.Stdout) : null,
            request.Stderr && !request.Tty ? new MemoryStream(result.Stderr) : null, Task.FromResult(result.ExitCode));
    }

    public Task<IStreamSession> AttachAsync(string containerId, bool tty, CancellationToken ct)
    {
        Container container;
        lock (_lock)
        {
            container = Get(containerId);
        }

        return Task.FromResult<IStreamSession>(new FakeStreamSession(Stream.Null, new MemoryStream(), tty ? null : new MemoryStream(), container.Exited.Task));
    }

    private Container Get(string containerId) =>
        _containers.TryGetValue(containerId, out var container) ? container : throw new KeyNotFoundException($"container {containerId} not found");

    private void Raise(ContainerEventKind kind, ContainerStatus status) =>
        ContainerChanged?.Invoke(this, new ContainerEvent(kind, status.Id, status.SandboxId, status.Labels));

    private static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private sealed class Container(ContainerStatus status)
    {
        public ContainerStatus Status { get; set; } = status;

        public TaskCompletionSource<int> Exited { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
