using System.Collections.Concurrent;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using V1 = Capstan.Agent.Runtime.Cri.V1;

namespace Capstan.Agent.Runtime.Cri;

public sealed partial class CriRuntime
{
    private readonly ConcurrentDictionary<string, KnownContainer> _known = new();

    /// <summary>Lists containers every poll interval and raises <see cref="ContainerChanged"/> for those that started or exited since.</summary>
    private async Task WatchAsync(CancellationToken ct)
    {
        var first = true;
        var nextRotation = _options.TimeProvider.GetUtcNow() + _options.LogRotationInterval;
        var failing = false;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var reply = await _runtime.ListContainersAsync(new V1.ListContainersRequest(), Call(ct)).ConfigureAwait(false);
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var container in reply.Containers)
                {
                    seen.Add(container.Id);
                    _containerSandboxes[container.Id] = container.PodSandboxId;
                    // Containers found on the first list were there before this instance: re-adopted, not news.
                    Observe(container.Id, container.State, container.PodSandboxId, container.Labels, raiseNew: !first);
                }

                foreach (var id in _known.Keys)
                {
                    if (!seen.Contains(id))
                    {
                        _known.TryRemove(id, out _);
                    }
                }

                first = false;
                failing = false;
                if (_options.TimeProvider.GetUtcNow() >= nextRotation)
                {
                    nextRotation = _options.TimeProvider.GetUtcNow() + _options.LogRotationInterval;
                    var running = reply.Containers.Where(c => c.State == V1.ContainerState.ContainerRunning).Select(c => c.Id).ToList();
                    await _rotator.RotateAsync(running, ct).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && ct.IsCancellationRequested)
            {
                return;
            }
            catch (RpcException e)
            {
                // containerd restarting: containers keep running, the next list catches up.
                if (!failing)
                {
                    Log.ListFailed(_logger, e.Status.Detail);
                }

                failing = true;
            }

            try
            {
                await Task.Delay(_options.PollInterval, _options.TimeProvider, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Records a container's state and raises an event when it became running or exited.</summary>
    private void Observe(
        string containerId, V1.ContainerState state, string? sandboxId, IEnumerable<KeyValuePair<string, string>>? labels, bool raiseNew)
    {
        ContainerEventKind? kind = null;
        KnownContainer? now = null;
        while (true)
        {
            if (_known.TryGetValue(containerId, out var previous))
            {
                if (previous.State == state || (previous.State == V1.ContainerState.ContainerExited && state == V1.ContainerState.ContainerRunning))
                {
                    return;
                }

                now = previous with { State = state };
                if (!_known.TryUpdate(containerId, now, previous))
                {
                    continue;
                }
            }
            else
            {
                if (sandboxId is null)
                {
                    return;
                }

                now = new KnownContainer(sandboxId, state, labels is null ? new Dictionary<string, string>() : new Dictionary<string, string>(labels));
                if (!_known.TryAdd(containerId, now))
                {
                    continue;
                }

                if (!raiseNew)
                {
                    return;
                }
            }

            break;
        }

        kind = state switch
        {
            V1.ContainerState.ContainerRunning => ContainerEventKind.Started,
            V1.ContainerState.ContainerExited => ContainerEventKind.Exited,
            _ => null,
        };
        if (kind is { } k)
        {
            ContainerChanged?.Invoke(this, new ContainerEvent(k, containerId, now.SandboxId, now.Labels));
        }
    }

    private sealed record KnownContainer(string SandboxId, V1.ContainerState State, IReadOnlyDictionary<string, string> Labels);

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Listing containers from the CRI runtime failed ({Detail}); retrying")]
        public static partial void ListFailed(ILogger logger, string detail);
    }
}
