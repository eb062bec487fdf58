using System.CommandLine;
using System.Globalization;
using System.Net;
using Capstan.Agent;

namespace Capstan.Commands;

/// <summary>The node agent's flags, shared by `capstan server` (its embedded agent) and `capstan agent`.</summary>
public sealed class AgentFlags
{
    public Option<string?> NodeName { get; } = new("--node-name") { Description = "Name of this node (default: the host name, lowercased)" };

    public Option<string> NodeIp { get; } = new("--node-ip") { Description = "The node's address: reported as its InternalIP, the agent's streaming port listens there", DefaultValueFactory = _ => "127.0.0.1" };

    public Option<int> AgentPort { get; } = new("--agent-port") { Description = "Port of the agent's log/exec/port-forward endpoint (the kubelet's 10250)", DefaultValueFactory = _ => 10250 };

    public Option<string> PodCidr { get; } = new("--pod-cidr") { Description = "Pod IPs of the process runtime; inside 127.0.0.0/8 they need no network set-up. Each agent on one machine needs its own", DefaultValueFactory = _ => "127.10.0.0/16" };

    public Option<string> Runtime { get; } = new("--runtime")
    {
        Description = "Container runtime: process (host processes, the default: works on any machine), cri (containerd over the CRI: real containers), "
            + "auto (cri when the --container-runtime-endpoint socket exists, else process) or fake (simulated pods, for scale tests). "
            + "With cri the service CIDR defaults to 10.43.0.0/16: pods have their own loopback, so ClusterIPs cannot be 127.x addresses",
        DefaultValueFactory = _ => "process",
    };

    public Option<string> ContainerRuntimeEndpoint { get; } = new("--container-runtime-endpoint") { Description = "The CRI socket of --runtime cri/auto", DefaultValueFactory = _ => AgentConfig.DefaultContainerRuntimeEndpoint };

    public Option<string> ClusterCidr { get; } = new("--cluster-cidr") { Description = "Pod IPs of the cri runtime (the CNI bridge's subnet)", DefaultValueFactory = _ => AgentConfig.DefaultClusterCidr };

    public Option<int> ImageGcHigh { get; } = new("--image-gc-high-threshold") { Description = "Percent of the image filesystem's disk above which unused images are removed (cri runtime)", DefaultValueFactory = _ => 85 };

    public Option<int> ImageGcLow { get; } = new("--image-gc-low-threshold") { Description = "Percent of the image filesystem's disk that image garbage collection frees down to", DefaultValueFactory = _ => 80 };

    public Option<string> BackOff { get; } = new("--crash-loop-backoff") { Description = "First restart delay of a crashing container, doubling to 5 min", DefaultValueFactory = _ => "10s" };

    public Option<string> ConfigVolumeSync { get; } = new("--config-volume-sync-period") { Description = "Longest delay before a changed ConfigMap or Secret reaches mounted files when its watch misses the change", DefaultValueFactory = _ => "60s" };

    public Option<string?> LocalPathRoot { get; } = new("--local-path-root") { Description = "Where the built-in local-path provisioner keeps one directory per volume (default: <data-dir>/storage)" };

    public Option<string?> ClusterDns { get; } = new("--cluster-dns") { Description = "Nameserver of ClusterFirst pods (default: the tenth address of the service CIDR, where the kube-dns Service is)" };

    public Option<string> ClusterDomain { get; } = new("--cluster-domain") { Description = "The cluster DNS zone", DefaultValueFactory = _ => "cluster.local" };

    public Option<bool> DisableProxy { get; } = new("--disable-proxy") { Description = "Run no service proxy (ClusterIP/NodePort/LoadBalancer forwarding) on this node" };

    public Option<int> ProxyMetricsPort { get; } = new("--proxy-metrics-port") { Description = "Port of the service proxy's Prometheus /metrics on the node IP; 0 turns it off", DefaultValueFactory = _ => 10249 };

    public Option<Capstan.Network.Proxy.ProxyRelayMode> ProxyRelay { get; } = new("--proxy-relay") { Description = "How the service proxy copies TCP payload: Buffer (async sockets, pooled buffers), Splice (splice(2)) or Epoll (event-loop threads)", DefaultValueFactory = _ => Capstan.Network.Proxy.ProxyRelayMode.Epoll };

    public EvictionFlags Eviction { get; } = new();

    public Option<string> CniConfDir { get; } = new("--cni-conf-dir") { Description = "With --runtime cri: where Capstan writes a bridge CNI configuration for its pod subnet when none exists (containerd's conf_dir)", DefaultValueFactory = _ => "/etc/cni/net.d" };

    public IEnumerable<Option> All => [NodeName, NodeIp, AgentPort, PodCidr, Runtime, ContainerRuntimeEndpoint, ClusterCidr, CniConfDir, ImageGcHigh, ImageGcLow, BackOff, ConfigVolumeSync, LocalPathRoot, ClusterDns, ClusterDomain, DisableProxy, ProxyMetricsPort, ProxyRelay, .. Eviction.All];

    /// <summary>Null with a message on stderr when a flag is malformed.</summary>
    public AgentConfig? Parse(ParseResult parse, string dataDir)
    {
        if (!IPAddress.TryParse(parse.GetValue(NodeIp), out var nodeIp))
        {
            return Fail($"--node-ip {parse.GetValue(NodeIp)} is not an IP address");
        }

        var cidr = parse.GetValue(PodCidr)!;
        if (!IPNetwork.TryParse(cidr, out var network) || network.PrefixLength > 30)
        {
            return Fail($"--pod-cidr {cidr} is not a CIDR with room for pods, such as 127.10.0.0/16");
        }

        var runtime = parse.GetValue(Runtime)!;
        if (runtime is not ("process" or "fake" or "cri" or "auto"))
        {
            return Fail($"--runtime {runtime} is not one of: process, cri, auto, fake");
        }

        var endpoint = parse.GetValue(ContainerRuntimeEndpoint)!;
        if (runtime == "auto")
        {
            runtime = File.Exists(AgentConfig.SocketPath(endpoint)) ? "cri" : "process";
        }

        var clusterCidr = parse.GetValue(ClusterCidr)!;
        if (!IPNetwork.TryParse(clusterCidr, out var clusterNetwork) || clusterNetwork.PrefixLength > 30)
        {
            return Fail($"--cluster-cidr {clusterCidr} is not a CIDR with room for pods, such as 10.42.0.0/16");
        }

        var (gcHigh, gcLow) = (parse.GetValue(ImageGcHigh), parse.GetValue(ImageGcLow));
        if (gcHigh is < 0 or > 100 || gcLow is < 0 or > 100 || gcLow > gcHigh)
        {
            return Fail($"--image-gc-high-threshold {gcHigh} and --image-gc-low-threshold {gcLow} must be percentages with low <= high");
        }

        if (Durations.Parse(parse.GetValue(BackOff)!) is not { } backOff || backOff <= TimeSpan.Zero)
        {
            return Fail($"--crash-loop-backoff {parse.GetValue(BackOff)} is not a positive duration such as 10s");
        }

        if (Durations.Parse(parse.GetValue(ConfigVolumeSync)!) is not { } configSync || configSync <= TimeSpan.Zero)
        {
            return Fail($"--config-volume-sync-period {parse.GetValue(ConfigVolumeSync)} is not a positive duration such as 60s");
        }

        IPAddress? clusterDns = null;
        if (parse.GetValue(ClusterDns) is { } dnsText && !IPAddress.TryParse(dnsText, out clusterDns))
        {
            return Fail($"--cluster-dns {dnsText} is not an IP address");
        }

        if (Eviction.Parse(parse) is not { } eviction)
        {
            return null;
        }

        var nodeName = parse.GetValue(NodeName) ?? Dns.GetHostName().ToLowerInvariant();
        if (Capstan.Api.Validation.NameFormats.IsDns1123Subdomain(nodeName) is { Count: > 0 } problems)
        {
            return Fail($"--node-name {nodeName}: {string.Join("; ", problems)}");
        }

        return new AgentConfig
        {
            NodeName = nodeName,
            DataDir = dataDir,
            NodeIp = nodeIp,
            Port = parse.GetValue(AgentPort),
            PodCidr = cidr,
            Runtime = runtime,
            ContainerRuntimeEndpoint = endpoint,
            ClusterCidr = clusterCidr,
            CniConfDir = parse.GetValue(CniConfDir)!,
            ImageGcHighThresholdPercent = gcHigh,
            ImageGcLowThresholdPercent = gcLow,
            BackOffBase = backOff,
            ConfigVolumeSyncPeriod = configSync,
            LocalPathRoot = parse.GetValue(LocalPathRoot) is { Length: > 0 } root ? Path.GetFullPath(root) : null,
            ClusterDns = clusterDns,
            ClusterDomain = parse.GetValue(ClusterDomain)!,
            DisableProxy = parse.GetValue(DisableProxy),
            ProxyMetricsPort = parse.GetValue(ProxyMetricsPort),
            ProxyRelay = parse.GetValue(ProxyRelay),
            Eviction = eviction,
        };
    }

    private static AgentConfig? Fail(string message)
    {
        Console.Error.WriteLine("capstan: " + message);
        return null;
    }
}

/// <summary>Go-style durations as Kubernetes flags take them: 500ms, 8s, 5m, 1h, or a plain number of seconds.</summary>
public static class Durations
{
    public static TimeSpan? Parse(string text)
    {
        text = text.Trim();
        (string Suffix, double Seconds)[] units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)];
        foreach (var (suffix, seconds) in units)
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal)
                && double.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0)
            {
                return TimeSpan.FromSeconds(value * seconds);
            }
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var plain) && plain >= 0 ? TimeSpan.FromSeconds(plain) : null;
    }
}
