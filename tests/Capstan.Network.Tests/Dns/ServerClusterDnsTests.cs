using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Capstan.Server;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Capstan.Network.Tests.Dns;

/// <summary>`capstan server` runs the cluster DNS and publishes it as the kube-dns Service.</summary>
public sealed class ServerClusterDnsTests : IAsyncLifetime
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "capstan-dns-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly int _dnsPort = CapstanServer.FreePort();
    private CapstanServer _server = null!;
    private Kubernetes _client = null!;

    public async Task InitializeAsync()
    {
        _server = await CapstanServer.StartAsync(new ServerConfig
        {
            DataDir = _dataDir,
            HttpsPort = CapstanServer.FreePort(),
            LogLevel = LogLevel.Warning,
            DisableControllerManager = true,
            DisableScheduler = true,
            ClusterDnsPort = _dnsPort,
            DnsUpstreams = [],
        }, CancellationToken.None);
        _client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(_server.KubeconfigPath));
    }

    [Fact]
    public async Task Start_PublishesKubeDnsAndAnswersTheKubernetesService()
    {
        var service = await _client.ReadNamespacedServiceAsync("kube-dns", "kube-system");
        Assert.Equal("127.43.0.10", service.Spec.ClusterIP);
        Assert.Null(service.Spec.Selector);
        Assert.Equal([("dns", "UDP", 53), ("dns-tcp", "TCP", 53)], service.Spec.Ports.Select(p => (p.Name, p.Protocol, p.Port)));

        var slices = await _client.ListNamespacedEndpointSliceAsync("kube-system", labelSelector: "kubernetes.io/service-name=kube-dns");
        var slice = Assert.Single(slices.Items);
        Assert.Equal(CapstanServer.KubeDnsManagedBy, slice.Metadata.Labels["endpointslice.kubernetes.io/managed-by"]);
        Assert.Equal("127.0.0.1", Assert.Single(Assert.Single(slice.Endpoints).Addresses));
        Assert.All(slice.Ports, p => Assert.Equal(_dnsPort, p.Port));
        var endpoints = await _client.ReadNamespacedEndpointsAsync("kube-dns", "kube-system");
        Assert.Equal("true", endpoints.Metadata.Labels["endpointslice.kubernetes.io/skip-mirror"]);
        Assert.Equal("127.0.0.1", Assert.Single(Assert.Single(endpoints.Subsets).Addresses).Ip);

        using var client = DnsTestServer.ClientFor(new IPEndPoint(IPAddress.Loopback, _dnsPort));
        var kubernetes = await client.ResolveAsync(DomainName.Parse("kubernetes.default.svc.cluster.local"), RecordType.A);
        Assert.Equal("127.43.0.1", Assert.IsType<ARecord>(Assert.Single(kubernetes!.AnswerRecords)).Address.ToString());
        var kubeDns = await client.ResolveAsync(DomainName.Parse("_dns._udp.kube-dns.kube-system.svc.cluster.local"), RecordType.Srv);
        Assert.Equal(53, Assert.IsType<SrvRecord>(Assert.Single(kubeDns!.AnswerRecords)).Port);

        // Without upstreams, names outside the cluster fail rather than hang or loop.
        var outside = await client.ResolveAsync(DomainName.Parse("example.test"), RecordType.A);
        Assert.Equal(ReturnCode.ServerFailure, outside!.ReturnCode);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
