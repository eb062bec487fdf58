using Capstan.Agent.Runtime;
using Capstan.Agent.Volumes;
using k8s.Models;

namespace Capstan.Agent.Pods;

internal sealed partial class PodWorker
{
    private static readonly TimeSpan EmptyDirCheckInterval = TimeSpan.FromSeconds(2);

    /// <summary>
    /// emptyDir sizeLimit, measured every couple of seconds: once a volume holds more, the kubelet evicts the pod
    /// (containers killed, phase Failed, reason Evicted, a Warning event); returns true when it did.
    /// </summary>
    private async Task<bool> EnforceEmptyDirLimitsAsync(V1Pod pod, PodSandbox sandbox, IReadOnlyList<ContainerStatus> containers, CancellationToken ct)
    {
        if (await EvictRequestedAsync(pod, sandbox, containers, ct).ConfigureAwait(false))
        {
            return true;
        }

        if (!EmptyDirLimits.HasLimits(pod))
        {
            return false;
        }

        Soon(EmptyDirCheckInterval);
        if (EmptyDirLimits.Exceeded(pod, name => _ctx.Options.EmptyDirPath(Uid, name)) is not { } message)
        {
            return false;
        }

        _ctx.Events.Pod(pod, "Warning", "Evicted", message);
        await FailPodAsync(pod, sandbox, containers, "Evicted", message, ct).ConfigureAwait(false);
        return true;
    }
}
