using System.Net;
using Capstan.Agent.Dns;
using k8s.Models;

namespace Capstan.Agent.Tests.Dns;

public sealed class PodResolvConfTests
{
    private static readonly ResolvConf s_host = ResolvConf.Parse("""
        # host
        nameserver 192.0.2.53
        nameserver 192.0.2.54
        search corp.example lab.example
        options edns0 ndots:1
        """);

    private static readonly PodDnsSettings s_settings = new() { ClusterDns = [IPAddress.Parse("127.43.0.10")], ClusterDomain = "cluster.local" };

    private static V1Pod Pod(string? policy = null, bool hostNetwork = false, V1PodDNSConfig? config = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = "p", NamespaceProperty = "team" },
        Spec = new V1PodSpec { DnsPolicy = policy, HostNetwork = hostNetwork, DnsConfig = config, Containers = [] },
    };

    [Fact]
    public void For_ClusterFirstByDefault_PointsAtClusterDnsWithTheSearchPathAndNdots5()
    {
        var conf = PodResolvConf.For(Pod(), s_settings, s_host)!;

        Assert.Equal(["127.43.0.10"], conf.Nameservers);
        Assert.Equal(["team.svc.cluster.local", "svc.cluster.local", "cluster.local", "corp.example", "lab.example"], conf.Searches);
        Assert.Equal(["ndots:5"], conf.Options);
        Assert.Equal("""
            nameserver 127.43.0.10
            search team.svc.cluster.local svc.cluster.local cluster.local corp.example lab.example
            options ndots:5

            """.ReplaceLineEndings("\n"), conf.Render());
    }

    [Fact]
    public void For_HostNetworkClusterFirst_KeepsTheHostsFile()
    {
        Assert.Null(PodResolvConf.For(Pod(hostNetwork: true), s_settings, s_host));
    }

    [Fact]
    public void For_ClusterFirstWithHostNet_UsesClusterDnsEvenOnTheHostNetwork()
    {
        Assert.Equal(["127.43.0.10"], PodResolvConf.For(Pod("ClusterFirstWithHostNet", hostNetwork: true), s_settings, s_host)!.Nameservers);
    }

    [Fact]
    public void For_DefaultWithDnsConfig_MergesIntoTheHostsFile()
    {
        var conf = PodResolvConf.For(Pod("Default", config: new V1PodDNSConfig
        {
            Nameservers = ["192.0.2.99"],
            Searches = ["extra.example"],
            Options = [new V1PodDNSConfigOption { Name = "ndots", Value = "2" }, new V1PodDNSConfigOption { Name = "single-request" }],
        }), s_settings, s_host)!;

        Assert.Equal(["192.0.2.53", "192.0.2.54", "192.0.2.99"], conf.Nameservers);
        Assert.Equal(["corp.example", "lab.example", "extra.example"], conf.Searches);
        Assert.Equal(["edns0", "ndots:2", "single-request"], conf.Options);
        Assert.Null(PodResolvConf.For(Pod("Default"), s_settings, s_host));
    }

    [Fact]
    public void For_None_TakesOnlyDnsConfig()
    {
        var conf = PodResolvConf.For(Pod("None", config: new V1PodDNSConfig { Nameservers = ["1.2.3.4"], Searches = ["a.example"] }), s_settings, s_host)!;

        Assert.Equal(["1.2.3.4"], conf.Nameservers);
        Assert.Equal(["a.example"], conf.Searches);
        Assert.Empty(conf.Options);
    }

    [Fact]
    public void For_ClusterFirstWithoutClusterDns_FallsBackToDefault()
    {
        Assert.Null(PodResolvConf.For(Pod(), s_settings with { ClusterDns = [] }, s_host));
    }

    [Fact]
    public void Write_ClusterFirst_WritesResolvConfIntoThePodDirectoryOnce()
    {
        var dir = Path.Combine(Path.GetTempPath(), "capstan-resolv-" + Guid.NewGuid().ToString("N")[..8]);
        var hostFile = Path.Combine(dir, "host-resolv.conf");
        Directory.CreateDirectory(dir);
        File.WriteAllText(hostFile, "nameserver 192.0.2.53\nsearch corp.example\n");
        try
        {
            var path = PodResolvConf.Write(Pod(), s_settings with { HostResolvConf = hostFile }, Path.Combine(dir, "pod"));

            Assert.Equal(Path.Combine(dir, "pod", "resolv.conf"), path);
            Assert.Contains("search team.svc.cluster.local svc.cluster.local cluster.local corp.example", File.ReadAllText(path!));

            // A restarted container finds the same file (a bind mount of a replaced file would fail).
            var written = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);
            File.SetLastWriteTimeUtc(path!, written);
            PodResolvConf.Write(Pod(), s_settings with { HostResolvConf = hostFile }, Path.Combine(dir, "pod"));
            Assert.Equal(written, File.GetLastWriteTimeUtc(path!));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
