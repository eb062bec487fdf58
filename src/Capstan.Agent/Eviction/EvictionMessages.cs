using System.Globalization;
using k8s.Models;

namespace Capstan.Agent.Eviction;

/// <summary>The kubelet's eviction texts.</summary>
internal static class EvictionMessages
{
    /// <summary>"The node was low on resource: memory. Threshold quantity: 100Mi, available: 51200Ki. " plus, per container whose usage is known and above its request, what it used.</summary>
    public static string PodEvicted(EvictionThreshold threshold, SignalObservation observed, V1Pod pod, Func<V1Container, long?>? containerUsage = null)
    {
        var resource = EvictionSignals.Resource(threshold.Signal);
        var message = $"The node was low on resource: {resource}. Threshold quantity: {threshold.QuantityText}, available: {Format(observed.Available, resource)}. ";
        foreach (var container in pod.Spec.Containers ?? [])
        {
            if (containerUsage?.Invoke(container) is not { } used)
            {
                continue;
            }

            var request = container.Resources?.Requests?.TryGetValue(resource, out var q) == true ? q.ToString() : "0";
            if (used > (container.Resources?.Requests?.TryGetValue(resource, out var r) == true ? (long)r.ToDecimal() : 0))
            {
                message += $"Container {container.Name} was using {Format(used, resource)}, request is {request}, has larger consumption of {resource}. ";
            }
        }

        return message;
    }

    /// <summary>Bytes the way Kubernetes prints them (binary suffix when exact), inodes as a plain count.</summary>
    public static string Format(long value, string resource)
    {
        if (resource == "inodes" || value == 0)
        {
            return value.ToString(CultureInfo.InvariantCulture);
        }

        (string Suffix, long Unit)[] units = [("Gi", 1L << 30), ("Mi", 1L << 20), ("Ki", 1L << 10)];
        foreach (var (suffix, unit) in units)
        {
            if (value % unit == 0)
            {
                return (value / unit).ToString(CultureInfo.InvariantCulture) + suffix;
            }
        }

        return value.ToString(CultureInfo.InvariantCulture);
    }
}
