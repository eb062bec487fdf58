using System.Net;

namespace Capstan.Network.Tests.Netns;

/// <summary>
/// A network namespace standing in for a pod: a veth pair with a /30 out of 10.90.251.0/24 (the namespace's end and
/// the host's end, its default gateway), so its packets to ClusterIPs and node addresses reach the host as a bridged
/// pod's do. Deleting the namespace deletes the pair; dispose deletes both.
/// </summary>
public sealed class NetnsClient : IAsyncDisposable
{
    public const string Ip = "/usr/sbin/ip";
    public const string Busybox = "/bin/busybox";
    public const string Subnet = "10.90.251.0/24";

    private readonly string _hostLink;

    private NetnsClient(string name, string hostLink, IPAddress hostAddress, IPAddress address)
    {
        Name = name;
        _hostLink = hostLink;
        HostAddress = hostAddress;
        Address = address;
    }

    public string Name { get; }

    /// <summary>The host's end: a node address the namespace routes to directly.</summary>
    public IPAddress HostAddress { get; }

    public IPAddress Address { get; }

    public static async Task<NetnsClient> CreateAsync()
    {
        var id = Guid.NewGuid().ToString("N")[..6];
        var block = Random.Shared.Next(0, 64) * 4;
        var host = IPAddress.Parse($"10.90.251.{block + 1}");
        var inside = IPAddress.Parse($"10.90.251.{block + 2}");
        var hostLink = "cnwh" + id;
        var client = new NetnsClient("capstan-nwc-" + id, hostLink, host, inside);
        await HostCommand.RunCheckedAsync(Ip, "netns", "add", client.Name);
        try
        {
            await HostCommand.RunCheckedAsync(Ip, "link", "add", hostLink, "type", "veth", "peer", "name", "eth0", "netns", client.Name);
            await HostCommand.RunCheckedAsync(Ip, "addr", "add", host + "/30", "dev", hostLink);
            await HostCommand.RunCheckedAsync(Ip, "link", "set", hostLink, "up");
            await client.ExecCheckedAsync(Ip, "addr", "add", inside + "/30", "dev", "eth0");
            await client.ExecCheckedAsync(Ip, "link", "set", "eth0", "up");
            await client.ExecCheckedAsync(Ip, "link", "set", "lo", "up");
            await client.ExecCheckedAsync(Ip, "route", "add", "default", "via", host.ToString());
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs a command inside the namespace.</summary>
    public Task<(int ExitCode, string Output)> ExecAsync(params string[] command) =>
        HostCommand.RunAsync(Ip, ["netns", "exec", Name, .. command]);

    public Task<string> ExecCheckedAsync(params string[] command) =>
        HostCommand.RunCheckedAsync(Ip, ["netns", "exec", Name, .. command]);

    // The link too: a process still inside would keep the namespace, and with it the pair, alive.
    public async ValueTask DisposeAsync()
    {
        await HostCommand.RunAsync(Ip, ["link", "del", _hostLink]);
        await HostCommand.RunAsync(Ip, ["netns", "del", Name]);
    }
}
