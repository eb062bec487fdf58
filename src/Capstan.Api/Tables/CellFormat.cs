using System.Globalization;
using System.Text.Json.Nodes;
using Capstan.Api.Selectors;
using k8s.Models;

namespace Capstan.Api.Tables;

/// <summary>The cell renderings Kubernetes' printers share: label sets, selectors, container lists, quantities.</summary>
internal static class CellFormat
{
    public const string None = "<none>";
    public const string Unknown = "<unknown>";
    public const string Unset = "<unset>";

    /// <summary>labels.FormatLabels: sorted <c>k=v</c> pairs joined by commas, "&lt;none&gt;" when empty.</summary>
    public static string Labels(JsonObject? labels)
    {
        var dict = LabelSelector.ToDictionary(labels);
        if (dict.Count == 0)
        {
            return None;
        }

        return string.Join(",", dict.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + "=" + kv.Value));
    }

    /// <summary>metav1.FormatLabelSelector: canonical selector text, "&lt;none&gt;" when it selects everything or nothing, "&lt;error&gt;" when invalid.</summary>
    public static string Selector(JsonNode? selector)
    {
        if (!LabelSelector.TryFromObject(selector, out var parsed, out _))
        {
            return "<error>";
        }

        var text = parsed.ToString();
        return text.Length == 0 ? None : text;
    }

    /// <summary>The Containers and Images cells: names and images joined by commas.</summary>
    public static (string Names, string Images) Containers(JsonNode? podSpec)
    {
        var containers = JsonRead.Objects(podSpec, "containers").ToList();
        return (string.Join(",", containers.Select(c => JsonRead.Str(c, "name"))),
            string.Join(",", containers.Select(c => JsonRead.Str(c, "image"))));
    }

    /// <summary>A resource quantity in Kubernetes' canonical form ("1536Mi" for "1.5Gi"); unparsable text is kept as is.</summary>
    public static string Quantity(JsonNode? node)
    {
        var text = node switch
        {
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            JsonValue v => v.ToJsonString(),
            _ => null,
        };
        if (string.IsNullOrEmpty(text))
        {
            return "0";
        }

        try
        {
            return new ResourceQuantity(text).ToString();
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            return text;
        }
    }

    /// <summary>An IntOrString value as Go prints it ("1", "50%").</summary>
    public static string IntOrString(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v => v.ToJsonString(),
        _ => "",
    };

    /// <summary>Access modes abbreviated and ordered as Kubernetes does: RWO, ROX, RWX, RWOP.</summary>
    public static string AccessModes(JsonArray modes)
    {
        var set = modes.Select(m => m?.GetValue<string>()).ToHashSet();
        var result = new List<string>();
        if (set.Contains("ReadWriteOnce"))
        {
            result.Add("RWO");
        }

        if (set.Contains("ReadOnlyMany"))
        {
            result.Add("ROX");
        }

        if (set.Contains("ReadWriteMany"))
        {
            result.Add("RWX");
        }

        if (set.Contains("ReadWriteOncePod"))
        {
            result.Add("RWOP");
        }

        return string.Join(",", result);
    }

    /// <summary>IPs or hostnames of load-balancer ingress points, sorted and deduplicated, joined by commas.</summary>
    public static string LoadBalancerIngress(JsonNode? loadBalancerStatus)
    {
        var set = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var ingress in JsonRead.Objects(loadBalancerStatus, "ingress"))
        {
            var ip = JsonRead.Str(ingress, "ip");
            var hostname = JsonRead.Str(ingress, "hostname");
            if (ip.Length > 0)
            {
                set.Add(ip);
            }
            else if (hostname.Length > 0)
            {
                set.Add(hostname);
            }
        }

        return string.Join(",", set);
    }

    /// <summary>Go's net.JoinHostPort: IPv6 addresses are bracketed.</summary>
    public static string HostPort(string host, long port) =>
        (host.Contains(':', StringComparison.Ordinal) ? "[" + host + "]" : host) + ":" + port.ToString(CultureInfo.InvariantCulture);

    /// <summary>Up to <paramref name="max"/> items joined by commas, then " + N more..."; "&lt;unset&gt;" when empty.</summary>
    public static string ListWithMore(IReadOnlyList<string> all, int max)
    {
        if (all.Count > max)
        {
            return string.Join(",", all.Take(max)) + $" + {all.Count - max} more...";
        }

        return all.Count == 0 ? Unset : string.Join(",", all);
    }

    public static string I(long value) => value.ToString(CultureInfo.InvariantCulture);
}
