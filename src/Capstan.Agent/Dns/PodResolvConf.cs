using k8s.Models;

namespace Capstan.Agent.Dns;

/// <summary>
/// A pod's resolv.conf from its dnsPolicy and dnsConfig, as the kubelet builds it: ClusterFirst (the default) points at
/// the cluster DNS with the search path `&lt;ns&gt;.svc.&lt;domain&gt; svc.&lt;domain&gt; &lt;domain&gt;` plus the host's
/// searches and `ndots:5`; hostNetwork pods with ClusterFirst, and Default pods, get the host's; None takes only
/// dnsConfig; dnsConfig's nameservers, searches and options are merged into the others.
/// </summary>
public static class PodResolvConf
{
    // glibc reads three nameservers; the kubelet caps searches at 32 (MaxDNSSearchPaths).
    private const int MaxNameservers = 3;
    private const int MaxSearches = 32;

    /// <summary>The pod's resolv.conf, or null when it is the host's unchanged (nothing to write or mount).</summary>
    public static ResolvConf? For(V1Pod pod, PodDnsSettings settings, ResolvConf host)
    {
        var policy = pod.Spec.DnsPolicy ?? "ClusterFirst";
        var hostNetwork = pod.Spec.HostNetwork == true;
        var clusterFirst = settings.ClusterDns.Count > 0 && (policy == "ClusterFirstWithHostNet" || (policy == "ClusterFirst" && !hostNetwork));
        var config = pod.Spec.DnsConfig;

        ResolvConf baseline;
        if (policy == "None")
        {
            baseline = ResolvConf.Empty;
        }
        else if (clusterFirst)
        {
            var domain = settings.ClusterDomain.Trim('.');
            var ns = pod.Metadata.NamespaceProperty ?? "default";
            baseline = new ResolvConf(
                [.. settings.ClusterDns.Select(a => a.ToString())],
                [$"{ns}.svc.{domain}", $"svc.{domain}", domain, .. host.Searches],
                ["ndots:5"]);
        }
        else
        {
            if (config is null)
            {
                return null;
            }

            baseline = host;
        }

        return Merge(baseline, config);
    }

    private static ResolvConf Merge(ResolvConf baseline, V1PodDNSConfig? config)
    {
        var nameservers = baseline.Nameservers.Concat(config?.Nameservers ?? []).Distinct(StringComparer.Ordinal).Take(MaxNameservers).ToList();
        var searches = baseline.Searches.Concat(config?.Searches ?? []).Distinct(StringComparer.Ordinal).Take(MaxSearches).ToList();

        // Options merge by name (`ndots:5` and `ndots:2` are one option); dnsConfig's win.
        var options = new List<(string Name, string Text)>();
        foreach (var option in baseline.Options)
        {
            Set(options, OptionName(option), option);
        }

        foreach (var option in config?.Options ?? [])
        {
            if (!string.IsNullOrEmpty(option.Name))
            {
                Set(options, option.Name, string.IsNullOrEmpty(option.Value) ? option.Name : $"{option.Name}:{option.Value}");
            }
        }

        return new ResolvConf(nameservers, searches, [.. options.Select(o => o.Text)]);
    }

    private static string OptionName(string option)
    {
        var colon = option.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? option : option[..colon];
    }

    private static void Set(List<(string Name, string Text)> options, string name, string text)
    {
        var index = options.FindIndex(o => o.Name == name);
        if (index >= 0)
        {
            options[index] = (name, text);
        }
        else
        {
            options.Add((name, text));
        }
    }

    /// <summary>
    /// Writes the pod's resolv.conf into its pod directory and returns the path, or null when the pod keeps the host's.
    /// </summary>
    public static string? Write(V1Pod pod, PodDnsSettings settings, string podDirectory)
    {
        if (For(pod, settings, ResolvConf.Load(settings.HostResolvConf)) is not { } conf)
        {
            return null;
        }

        // Rewritten in place, and only when it changed: a restarted container's bind mount would fail on a file
        // replaced by rename (the pod's mount namespace still holds the old, deleted inode).
        Directory.CreateDirectory(podDirectory);
        var path = Path.Combine(podDirectory, "resolv.conf");
        var text = conf.Render();
        if (!File.Exists(path) || File.ReadAllText(path) != text)
        {
            File.WriteAllText(path, text);
        }

        return path;
    }
}
