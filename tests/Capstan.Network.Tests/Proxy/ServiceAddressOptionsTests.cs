using System.Net;
using Capstan.Network.Proxy;

namespace Capstan.Network.Tests.Proxy;

public sealed class ServiceAddressOptionsTests
{
    [Theory]
    [InlineData("127.43.0.0/16", false)]
    [InlineData("127.0.0.0/8", false)]
    [InlineData("10.43.0.0/16", true)]
    [InlineData("10.90.128.0/17", true)]
    [InlineData("fd00:43::/112", false)]
    public void Needed_ServiceCidr_OnlyNonLoopbackIpv4(string cidr, bool expected)
    {
        Assert.Equal(expected, ServiceAddressOptions.Needed(IPNetwork.Parse(cidr)));
    }

    [Fact]
    public void Defaults_LinkNamedCapstanSvcAndAddressesRemovedOnDispose()
    {
        var options = new ServiceAddressOptions { ServiceCidr = IPNetwork.Parse("10.43.0.0/16") };

        Assert.Equal("capstan-svc", options.InterfaceName);
        Assert.True(options.RemoveOnDispose);
    }
}
