using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Scheduler.Framework;

/// <summary>Reads a Kubernetes ResourceList ({"cpu": "500m", "memory": "1Gi"}) into <see cref="Resources"/>.</summary>
public static class ResourceList
{
    /// <summary>The amounts in <paramref name="list"/>; "pods" is left out (it is a node's capacity, not a request).</summary>
    public static Resources Parse(JsonObject? list)
    {
        var result = new Resources();
        if (list is null)
        {
            return result;
        }

        foreach (var (name, node) in list)
        {
            if (!IsCounted(name) || !TryQuantity(node, out var quantity))
            {
                continue;
            }

            result.Set(name, name == Resources.Cpu ? quantity.MilliValue : quantity.Value);
        }

        return result;
    }

    /// <summary>The whole-number value of one entry (a node's allocatable "pods"), or null when absent or malformed.</summary>
    public static long? Value(JsonObject? list, string name) =>
        list is not null && TryQuantity(list[name], out var quantity) ? quantity.Value : null;

    /// <summary>
    /// CPU, memory, ephemeral-storage and the scalar resources kube-scheduler counts: extended resources (a domain outside
    /// kubernetes.io), hugepages and attachable volumes. Everything else (pods, storage) is not a container request it fits.
    /// </summary>
    public static bool IsCounted(string name) =>
        name is Resources.Cpu or Resources.Memory or Resources.EphemeralStorage
        || name.StartsWith("hugepages-", StringComparison.Ordinal)
        || name.StartsWith("attachable-volumes-", StringComparison.Ordinal)
        || (name.Contains('/', StringComparison.Ordinal) && !name.StartsWith("kubernetes.io/", StringComparison.Ordinal) && !name.StartsWith("requests.", StringComparison.Ordinal));

    private static bool TryQuantity(JsonNode? node, out Quantity quantity)
    {
        quantity = default;
        var text = node switch
        {
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            JsonValue v => v.ToJsonString(),
            _ => null,
        };
        return Quantity.TryParse(text, out quantity);
    }
}
