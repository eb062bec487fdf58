using Capstan.Agent.Runtime.Process;

namespace Capstan.Agent.Runtime.Tests.Runtime.Process;

public sealed class PodIpPoolTests
{
    [Fact]
    public void Allocate_SmallCidr_SkipsZeroOneAndBroadcastThenExhausts()
    {
        var pool = new PodIpPool("127.10.0.0/29");

        var ips = new[] { pool.Allocate(), pool.Allocate(), pool.Allocate(), pool.Allocate(), pool.Allocate() };

        Assert.Equal(["127.10.0.2", "127.10.0.3", "127.10.0.4", "127.10.0.5", "127.10.0.6"], ips);
        Assert.Throws<InvalidOperationException>(pool.Allocate);
    }

    [Fact]
    public void Release_Address_ReusedOnlyAfterTheOthers()
    {
        var pool = new PodIpPool("127.10.0.0/29");
        var first = pool.Allocate();
        pool.Allocate();

        pool.Release(first);

        Assert.Equal("127.10.0.4", pool.Allocate());
    }

    [Fact]
    public void Reserve_TakenOrOutside_False()
    {
        var pool = new PodIpPool("127.10.0.0/16");

        Assert.True(pool.Reserve("127.10.3.4"));
        Assert.False(pool.Reserve("127.10.3.4"));
        Assert.False(pool.Reserve("127.11.0.2"));
    }

    [Theory]
    [InlineData("127.10.0.0")]
    [InlineData("fd00::/64")]
    [InlineData("127.10.0.0/31")]
    public void Constructor_NotAnIpv4Cidr_Throws(string cidr) => Assert.Throws<ArgumentException>(() => new PodIpPool(cidr));
}
