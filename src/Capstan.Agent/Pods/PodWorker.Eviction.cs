using Capstan.Agent.Eviction;
using Capstan.Agent.Runtime;
using k8s.Models;

namespace Capstan.Agent.Pods;

internal sealed partial class PodWorker
{
    private volatile PodEviction? _eviction;
    private TaskCompletionSource? _evicted;

    /// <summary>The pod as last seen (for the eviction manager's ranking).</summary>
    public V1Pod Pod => Volatile.Read(ref _pod);

    /// <summary>Neither finished, nor being deleted, nor already chosen for eviction.</summary>
    public bool IsActive => !_gone && !Volatile.Read(ref _terminal) && Pod.Metadata.DeletionTimestamp is null && _eviction is null;

    /// <summary>Node-pressure eviction: the next pass fails the pod; completes when its status says so.</summary>
    public Task EvictAsync(PodEviction eviction, CancellationToken ct)
    {
        if (_gone || Volatile.Read(ref _terminal))
        {
            return Task.CompletedTask;
        }

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Exchange(ref _evicted, done)?.TrySetResult();
        _eviction = eviction;
        _wake.Set();
        return done.Task.WaitAsync(ct);
    }

    /// <summary>Carries out an eviction asked for by <see cref="EvictAsync"/>; true when it did.</summary>
    private async Task<bool> EvictRequestedAsync(V1Pod pod, PodSandbox sandbox, IReadOnlyList<ContainerStatus> containers, CancellationToken ct)
    {
        if (_eviction is not { } eviction)
        {
            return false;
        }

        _ctx.Events.Pod(pod, "Warning", PodEviction.Reason, eviction.Message);
        await FailPodAsync(pod, sandbox, containers, PodEviction.Reason, eviction.Message, ct, eviction.Condition(Seconds(Now.UtcDateTime))).ConfigureAwait(false);
        Interlocked.Exchange(ref _evicted, null)?.TrySetResult();
        return true;
    }
}
