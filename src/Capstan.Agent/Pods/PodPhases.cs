using k8s.Models;

namespace Capstan.Agent.Pods;

/// <summary>The pod phase as the kubelet derives it from the spec and the container statuses it reports.</summary>
public static class PodPhases
{
    public const string Pending = "Pending";
    public const string Running = "Running";
    public const string Succeeded = "Succeeded";
    public const string Failed = "Failed";

    public static bool IsTerminal(string? phase) => phase is Succeeded or Failed;

    /// <param name="podIsTerminal">The pod has been shut down (deleted): stopped containers then make it Succeeded or Failed whatever the restart policy.</param>
    public static string Compute(V1PodSpec spec, IList<V1ContainerStatus>? initStatuses, IList<V1ContainerStatus>? statuses, bool podIsTerminal = false)
    {
        var pendingInit = 0;
        var failedInit = 0;
        var anyRegularStarted = statuses?.Any(s => s.State?.Running is not null || s.State?.Terminated is not null || s.LastState?.Terminated is not null) ?? false;
        foreach (var container in spec.InitContainers ?? [])
        {
            var status = initStatuses?.FirstOrDefault(s => s.Name == container.Name);
            if (container.RestartPolicy == "Always")
            {
                if (!anyRegularStarted && status?.Started != true)
                {
                    pendingInit++;
                }

                continue;
            }

            if (status?.State is not { } state)
            {
                pendingInit++;
            }
            else if (state.Running is not null)
            {
                pendingInit++;
            }
            else if (state.Terminated is { } terminated)
            {
                if (terminated.ExitCode != 0)
                {
                    failedInit++;
                }
            }
            else if (status.LastState?.Terminated is { } last)
            {
                if (last.ExitCode != 0)
                {
                    failedInit++;
                }
            }
            else
            {
                pendingInit++;
            }
        }

        int unknown = 0, running = 0, waiting = 0, stopped = 0, succeeded = 0;
        foreach (var container in spec.Containers)
        {
            var status = statuses?.FirstOrDefault(s => s.Name == container.Name);
            if (status?.State is not { } state)
            {
                unknown++;
            }
            else if (state.Running is not null)
            {
                running++;
            }
            else if (state.Terminated is { } terminated)
            {
                stopped++;
                if (terminated.ExitCode == 0)
                {
                    succeeded++;
                }
            }
            else if (state.Waiting is not null && status.LastState?.Terminated is not null)
            {
                stopped++;
            }
            else if (state.Waiting is not null)
            {
                waiting++;
            }
            else
            {
                unknown++;
            }
        }

        var policy = spec.RestartPolicy ?? "Always";
        if (failedInit > 0 && policy == "Never")
        {
            return Failed;
        }

        if (pendingInit > 0 || waiting > 0)
        {
            return Pending;
        }

        if (running > 0 && unknown == 0)
        {
            return Running;
        }

        if (running == 0 && stopped > 0 && unknown == 0)
        {
            if (podIsTerminal)
            {
                return stopped == succeeded ? Succeeded : Failed;
            }

            if (policy == "Always")
            {
                return Running;
            }

            if (stopped == succeeded)
            {
                return Succeeded;
            }

            return policy == "Never" ? Failed : Running;
        }

        return Pending;
    }
}
