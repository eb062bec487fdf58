using System.Diagnostics;
using System.Net;
using Capstan.Network.Proxy;
using Xunit.Abstractions;

namespace Capstan.Network.Tests.Netns;

/// <summary>The rtnetlink requests the service address binder makes, against the real kernel on a link of the test's own.</summary>
[Trait("Category", "Slow")]
public sealed class NetlinkRouteTests(ITestOutputHelper output)
{
    [RootFact(NetnsClient.Ip)]
    public async Task AddListDelete_ThousandAddresses_AllOnTheLinkThenNone()
    {
        var link = "capstan-nlt" + Guid.NewGuid().ToString("N")[..4];
        await using var blackhole = await BlackholeRoutes.AddAsync("10.90.192.0/20");
        using var netlink = new NetlinkRoute();
        try
        {
            var kind = CreateLink(netlink, link);
            Assert.False(netlink.CreateLink(link, kind), "a second create finds the link there");
            var index = NetlinkRoute.IndexOf(link);
            Assert.NotEqual(0, index);
            netlink.SetUp(index);

            var addresses = Enumerable.Range(0, 1000).Select(i => new IPAddress([10, 90, (byte)(192 + (i >> 8)), (byte)(i & 0xff)])).ToList();
            var watch = Stopwatch.StartNew();
            foreach (var address in addresses)
            {
                Assert.True(netlink.AddAddress(index, address));
            }

            var added = watch.Elapsed;
            Assert.False(netlink.AddAddress(index, addresses[0]), "adding twice reports it was there");
            Assert.Equal(addresses.ToHashSet(), netlink.ListAddresses(index).ToHashSet());
            var shown = await HostCommand.RunCheckedAsync(NetnsClient.Ip, "-4", "addr", "show", "dev", link);
            Assert.Contains("10.90.195.231/32", shown, StringComparison.Ordinal);

            watch.Restart();
            foreach (var address in addresses)
            {
                Assert.True(netlink.DeleteAddress(index, address));
            }

            output.WriteLine($"{kind} link: 1,000 addresses added in {added.TotalMilliseconds:F1} ms, removed in {watch.Elapsed.TotalMilliseconds:F1} ms");
            Assert.False(netlink.DeleteAddress(index, addresses[0]), "removing twice reports it was gone");
            Assert.Empty(netlink.ListAddresses(index));
        }
        finally
        {
            await HostCommand.RunAsync(NetnsClient.Ip, ["link", "del", link]);
        }
    }

    [RootFact(NetnsClient.Ip)]
    public void CreateLink_UnknownKind_Refused()
    {
        using var netlink = new NetlinkRoute();

        var e = Assert.Throws<NetlinkException>(() => netlink.CreateLink("capstan-nlx" + Guid.NewGuid().ToString("N")[..4], "no-such-kind"));

        Assert.Equal(95, e.Errno);
    }

    // As the binder does: dummy where the kernel has it, an empty bridge otherwise.
    private static string CreateLink(NetlinkRoute netlink, string name)
    {
        try
        {
            Assert.True(netlink.CreateLink(name, "dummy"));
            return "dummy";
        }
        catch (NetlinkException e) when (e.Errno == 95)
        {
            Assert.True(netlink.CreateLink(name, "bridge"));
            return "bridge";
        }
    }
}
