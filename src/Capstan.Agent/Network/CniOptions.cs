using System.Net;

namespace Capstan.Agent.Network;

/// <summary>What the agent's CNI configuration for the cri runtime says: one bridge for the node's pods.</summary>
public sealed record CniOptions
{
    /// <summary>containerd's CRI plugin reads the lexically first config of this directory (its conf_dir).</summary>
    public string ConfDir { get; init; } = "/etc/cni/net.d";

    /// <summary>Name of the written file; "10-" sorts it before most hand-written ones a user would add later.</summary>
    public string FileName { get; init; } = "10-capstan.conflist";

    /// <summary>The network's name as CNI results and containerd's logs show it.</summary>
    public string NetworkName { get; init; } = "capstan";

    /// <summary>The Linux bridge the plugin creates and attaches every pod's veth to.</summary>
    public string BridgeName { get; init; } = "cni0";

    /// <summary>This node's pod CIDR: host-local hands out its addresses, the first host address is the bridge's (the gateway).</summary>
    public required IPNetwork PodCidr { get; init; }

    /// <summary>Pod traffic leaving the pod subnet is masqueraded to the node's address (the bridge plugin's ipMasq).</summary>
    public bool IpMasq { get; init; } = true;

    /// <summary>Where host-local keeps its allocations; null for the plugin's default (/var/lib/cni/networks).</summary>
    public string? IpamDataDir { get; init; }

    /// <summary>MTU of the bridge and the pods' interfaces; 0 leaves the plugin's default (the bridge's).</summary>
    public int Mtu { get; init; }
}
