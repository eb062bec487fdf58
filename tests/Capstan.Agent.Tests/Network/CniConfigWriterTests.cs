using System.Net;
using System.Text.Json.Nodes;
using Capstan.Agent.Network;

namespace Capstan.Agent.Tests.Network;

public sealed class CniConfigWriterTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "capstan-cni-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public void Render_DefaultOptions_BridgeWithHostLocalAndPortmap()
    {
        var json = JsonNode.Parse(CniConfigWriter.Render(new CniOptions { PodCidr = IPNetwork.Parse("10.90.3.0/24") }))!;

        Assert.Equal("1.0.0", (string?)json["cniVersion"]);
        Assert.Equal("capstan", (string?)json["name"]);
        var plugins = json["plugins"]!.AsArray();
        Assert.Equal(["bridge", "portmap"], plugins.Select(p => (string?)p!["type"]));
        var bridge = plugins[0]!;
        Assert.Equal("cni0", (string?)bridge["bridge"]);
        Assert.True((bool)bridge["isGateway"]!);
        Assert.True((bool)bridge["ipMasq"]!);
        Assert.True((bool)bridge["hairpinMode"]!);
        var ipam = bridge["ipam"]!;
        Assert.Equal("host-local", (string?)ipam["type"]);
        var range = ipam["ranges"]![0]![0]!;
        Assert.Equal("10.90.3.0/24", (string?)range["subnet"]);
        Assert.Equal("10.90.3.1", (string?)range["gateway"]);
        Assert.Equal("0.0.0.0/0", (string?)ipam["routes"]![0]!["dst"]);
        Assert.Null(ipam["dataDir"]);
        Assert.True((bool)plugins[1]!["capabilities"]!["portMappings"]!);
    }

    [Fact]
    public void Render_LoopbackPlugin_NotListedBecauseContainerdAddsIt()
    {
        var json = JsonNode.Parse(CniConfigWriter.Render(new CniOptions { PodCidr = IPNetwork.Parse("10.90.0.0/24") }))!;

        Assert.DoesNotContain(json["plugins"]!.AsArray(), p => (string?)p!["type"] == "loopback");
    }

    [Fact]
    public void Render_CustomOptions_Honoured()
    {
        var json = JsonNode.Parse(CniConfigWriter.Render(new CniOptions
        {
            PodCidr = IPNetwork.Parse("10.90.7.0/24"),
            BridgeName = "capstan-nw0",
            NetworkName = "test",
            IpMasq = false,
            IpamDataDir = "/tmp/x/ipam",
            Mtu = 1400,
        }))!;

        var bridge = json["plugins"]![0]!;
        Assert.Equal("test", (string?)json["name"]);
        Assert.Equal("capstan-nw0", (string?)bridge["bridge"]);
        Assert.False((bool)bridge["ipMasq"]!);
        Assert.Equal(1400, (int)bridge["mtu"]!);
        Assert.Equal("/tmp/x/ipam", (string?)bridge["ipam"]!["dataDir"]);
    }

    [Theory]
    [InlineData("fd00::/64")]
    [InlineData("10.90.0.0/31")]
    public void Render_UnusableCidr_Throws(string cidr)
    {
        Assert.Throws<ArgumentException>(() => CniConfigWriter.Render(new CniOptions { PodCidr = IPNetwork.Parse(cidr) }));
    }

    [Theory]
    [InlineData("10.90.0.0/16", 0, "10.90.0.0/24")]
    [InlineData("10.90.0.0/16", 3, "10.90.3.0/24")]
    [InlineData("10.88.0.0/15", 256, "10.89.0.0/24")]
    [InlineData("10.90.5.0/24", 0, "10.90.5.0/24")]
    public void NodePodCidr_Index_NthSlash24(string cluster, int index, string expected)
    {
        Assert.Equal(IPNetwork.Parse(expected), CniConfigWriter.NodePodCidr(IPNetwork.Parse(cluster), index));
    }

    [Fact]
    public void NodePodCidr_IndexPastEnd_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CniConfigWriter.NodePodCidr(IPNetwork.Parse("10.90.0.0/23"), 2));
    }

    [Fact]
    public async Task EnsureAsync_EmptyDir_WritesConflist()
    {
        var path = await CniConfigWriter.EnsureAsync(new CniOptions { ConfDir = _dir, PodCidr = IPNetwork.Parse("10.90.0.0/24") });

        Assert.Equal(Path.Combine(_dir, "10-capstan.conflist"), path);
        Assert.Equal("bridge", (string?)JsonNode.Parse(await File.ReadAllTextAsync(path!))!["plugins"]![0]!["type"]);
        Assert.Single(Directory.GetFiles(_dir));
    }

    [Theory]
    [InlineData("05-user.conf")]
    [InlineData("99-other.conflist")]
    [InlineData("net.json")]
    public async Task EnsureAsync_ExistingConfig_LeavesItAlone(string existing)
    {
        Directory.CreateDirectory(_dir);
        await File.WriteAllTextAsync(Path.Combine(_dir, existing), "{}");

        var path = await CniConfigWriter.EnsureAsync(new CniOptions { ConfDir = _dir, PodCidr = IPNetwork.Parse("10.90.0.0/24") });

        Assert.Null(path);
        Assert.Equal([existing], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public async Task EnsureAsync_OnlyUnrelatedFiles_StillWrites()
    {
        Directory.CreateDirectory(_dir);
        await File.WriteAllTextAsync(Path.Combine(_dir, "README"), "notes");

        Assert.NotNull(await CniConfigWriter.EnsureAsync(new CniOptions { ConfDir = _dir, PodCidr = IPNetwork.Parse("10.90.0.0/24") }));
    }
}
