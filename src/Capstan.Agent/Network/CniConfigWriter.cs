using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Capstan.Agent.Network;

/// <summary>
/// Writes the node's CNI network configuration for the cri runtime when the conf dir holds none: a bridge (gateway,
/// masquerade, hairpin so a pod reaches itself through a Service) with host-local IPAM over the node's pod CIDR, and
/// portmap for hostPorts. No loopback entry: containerd's CRI plugin always brings up lo in the sandbox itself.
/// cniVersion 1.0.0 is the newest the Debian plugins (containernetworking-plugins 1.1.1) and containerd 1.6 both speak.
/// </summary>
public static class CniConfigWriter
{
    public const string CniVersion = "1.0.0";

    private static readonly string[] ConfigExtensions = [".conf", ".conflist", ".json"];

    /// <summary>
    /// Writes <see cref="CniOptions.FileName"/> unless the conf dir already has a configuration (a user's or an earlier
    /// run's, which wins: the pods already running were addressed from it).
    /// </summary>
    /// <returns>The path written, or null when a configuration was already there.</returns>
    public static async Task<string?> EnsureAsync(CniOptions options, CancellationToken ct = default)
    {
        Directory.CreateDirectory(options.ConfDir);
        if (Directory.EnumerateFiles(options.ConfDir).Any(f => ConfigExtensions.Contains(Path.GetExtension(f), StringComparer.Ordinal)))
        {
            return null;
        }

        // Written aside and renamed: containerd watches the directory and must never load half a file.
        var path = Path.Combine(options.ConfDir, options.FileName);
        var temp = Path.Combine(options.ConfDir, "." + options.FileName + ".tmp");
        await File.WriteAllTextAsync(temp, Render(options), ct).ConfigureAwait(false);
        File.Move(temp, path, overwrite: true);
        return path;
    }

    /// <summary>The conflist's JSON text.</summary>
    public static string Render(CniOptions options)
    {
        var cidr = options.PodCidr;
        if (cidr.BaseAddress.AddressFamily != AddressFamily.InterNetwork || cidr.PrefixLength > 30)
        {
            throw new ArgumentException($"pod CIDR {cidr} must be an IPv4 network of at least 4 addresses", nameof(options));
        }

        var ipam = new JsonObject
        {
            ["type"] = "host-local",
            ["ranges"] = new JsonArray(new JsonArray(new JsonObject
            {
                ["subnet"] = cidr.ToString(),
                ["gateway"] = Offset(cidr.BaseAddress, 1).ToString(),
            })),
            ["routes"] = new JsonArray(new JsonObject { ["dst"] = "0.0.0.0/0" }),
        };
        if (options.IpamDataDir is not null)
        {
            ipam["dataDir"] = options.IpamDataDir;
        }

        var bridge = new JsonObject
        {
            ["type"] = "bridge",
            ["bridge"] = options.BridgeName,
            ["isGateway"] = true,
            ["ipMasq"] = options.IpMasq,
            ["hairpinMode"] = true,
        };
        if (options.Mtu > 0)
        {
            bridge["mtu"] = options.Mtu;
        }

        bridge["ipam"] = ipam;
        var config = new JsonObject
        {
            ["cniVersion"] = CniVersion,
            ["name"] = options.NetworkName,
            ["plugins"] = new JsonArray(
                bridge,
                new JsonObject { ["type"] = "portmap", ["capabilities"] = new JsonObject { ["portMappings"] = true } }),
        };
        return config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>The /24 a node gets out of the cluster CIDR: the <paramref name="index"/>th one (10.90.0.0/16, 3 → 10.90.3.0/24).</summary>
    public static IPNetwork NodePodCidr(IPNetwork clusterCidr, int index = 0)
    {
        if (clusterCidr.BaseAddress.AddressFamily != AddressFamily.InterNetwork || clusterCidr.PrefixLength > 24)
        {
            throw new ArgumentException($"cluster CIDR {clusterCidr} must be an IPv4 network of /24 or larger", nameof(clusterCidr));
        }

        var subnets = 1 << (24 - clusterCidr.PrefixLength);
        if (index < 0 || index >= subnets)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"{clusterCidr} has {subnets} /24 subnets");
        }

        return new IPNetwork(Offset(clusterCidr.BaseAddress, (uint)index << 8), 24);
    }

    private static IPAddress Offset(IPAddress address, uint by)
    {
        var bytes = address.GetAddressBytes();
        var value = ((uint)bytes[0] << 24 | (uint)bytes[1] << 16 | (uint)bytes[2] << 8 | bytes[3]) + by;
        return new IPAddress([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]);
    }
}
