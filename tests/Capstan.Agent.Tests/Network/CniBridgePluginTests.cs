using System.Net;
using System.Text.Json.Nodes;
using Capstan.Agent.Network;
using Capstan.Network.Tests.Netns;

namespace Capstan.Agent.Tests.Network;

/// <summary>
/// The written configuration driven through the real Debian bridge plugin by hand, as containerd would: a network
/// namespace gets an address from the pod CIDR and reaches the bridge's gateway address on the host.
/// </summary>
[Trait("Category", "Slow")]
public sealed class CniBridgePluginTests
{
    private const string PluginDir = "/usr/lib/cni";
    private const string Ip = "/usr/sbin/ip";
    private const string Busybox = "/bin/busybox";

    // Own bridge and /24 inside cri-network's 10.90.0.0/16, apart from the containerd tests' capstan-nw0.
    private const string Bridge = "capstan-nwt0";

    [RootFact(PluginDir + "/bridge", PluginDir + "/host-local", Ip, Busybox)]
    public async Task BridgePlugin_AddInNamespace_GetsPodAddressAndReachesGateway()
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var netns = "capstan-nwt-" + id;
        var dataDir = Path.Combine(Path.GetTempPath(), "capstan-cni-" + id);
        var cidr = IPNetwork.Parse("10.90.250.0/24");
        var conflist = JsonNode.Parse(CniConfigWriter.Render(new CniOptions
        {
            PodCidr = cidr,
            BridgeName = Bridge,
            IpamDataDir = Path.Combine(dataDir, "ipam"),
        }))!;

        // A conflist runs plugin by plugin, each given its entry plus the list's name and cniVersion.
        var bridgeConfig = conflist["plugins"]![0]!.DeepClone();
        bridgeConfig["name"] = (string?)conflist["name"];
        bridgeConfig["cniVersion"] = (string?)conflist["cniVersion"];
        var env = new Dictionary<string, string>
        {
            ["CNI_CONTAINERID"] = "capstan-test-" + id,
            ["CNI_NETNS"] = "/var/run/netns/" + netns,
            ["CNI_IFNAME"] = "eth0",
            ["CNI_PATH"] = PluginDir,
        };

        await using var blackhole = await BlackholeRoutes.AddAsync("10.90.0.0/16");
        await HostCommand.RunCheckedAsync(Ip, "netns", "add", netns);
        try
        {
            var (code, output) = await HostCommand.RunAsync(PluginDir + "/bridge", [], bridgeConfig.ToJsonString(), new Dictionary<string, string>(env) { ["CNI_COMMAND"] = "ADD" });
            Assert.True(code == 0, "bridge ADD failed: " + output);
            var result = JsonNode.Parse(output)!;
            var address = IPAddress.Parse(((string)result["ips"]![0]!["address"]!).Split('/')[0]);
            Assert.True(cidr.Contains(address), $"{address} is outside {cidr}");
            Assert.Equal("10.90.250.1", (string?)result["ips"]![0]!["gateway"]);

            var inside = await HostCommand.RunCheckedAsync(Ip, "netns", "exec", netns, Ip, "-4", "addr", "show", "eth0");
            Assert.Contains(address + "/24", inside, StringComparison.Ordinal);
            var ping = await HostCommand.RunCheckedAsync(Ip, "netns", "exec", netns, Busybox, "ping", "-c", "1", "-W", "5", "10.90.250.1");
            Assert.Contains("1 packets received", ping, StringComparison.Ordinal);
        }
        finally
        {
            // DEL also removes the plugin's masquerade rules.
            await HostCommand.RunAsync(PluginDir + "/bridge", [], bridgeConfig.ToJsonString(), new Dictionary<string, string>(env) { ["CNI_COMMAND"] = "DEL" });
            await HostCommand.RunAsync(Ip, ["netns", "del", netns]);
            await HostCommand.RunAsync(Ip, ["link", "del", Bridge]);
            if (Directory.Exists(dataDir))
            {
                Directory.Delete(dataDir, recursive: true);
            }
        }
    }
}
