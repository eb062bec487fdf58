using System.Net;
using Capstan.Network.Proxy;
using Capstan.Network.Tests.Infrastructure;
using Capstan.Network.Tests.Proxy;
using Capstan.Server;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Capstan.Network.Tests.Netns;

/// <summary>
/// A non-loopback service CIDR as a cluster with real pod networks has: its ClusterIPs bound on a link by the
/// proxy, reached from inside a network namespace (a pod's stand-in) by address and, through the kube-dns
/// ClusterIP, by name; NodePorts on the node's address likewise. Backends and the DNS server stay on loopback.
/// </summary>
[Trait("Category", "Slow")]
public sealed class ClusterIpFromNetnsTests : IAsyncLifetime
{
    private const string ServiceCidr = "10.90.128.0/17";

    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "capstan-netns-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly string _link = "capstan-svt" + Guid.NewGuid().ToString("N")[..4];
    private readonly ILoggerFactory _loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning).AddSimpleConsole(o => o.SingleLine = true));
    private readonly bool _enabled = new RootFactAttribute(NetnsClient.Ip, NetnsClient.Busybox).Skip is null;
    private BlackholeRoutes? _blackhole;
    private CapstanServer? _server;
    private Kubernetes? _client;

    public async Task InitializeAsync()
    {
        if (!_enabled)
        {
            return;
        }

        _blackhole = await BlackholeRoutes.AddAsync(ServiceCidr, NetnsClient.Subnet);
        _server = await CapstanServer.StartAsync(new ServerConfig
        {
            DataDir = _dataDir,
            HttpsPort = CapstanServer.FreePort(),
            LogLevel = LogLevel.Warning,
            DisableControllerManager = true,
            DisableScheduler = true,
            ServiceCidr = ServiceCidr,
            ClusterDnsPort = CapstanServer.FreePort(),
            DnsUpstreams = [],
        }, CancellationToken.None);
        _client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(_server.KubeconfigPath));
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        await HostCommand.RunAsync(NetnsClient.Ip, ["link", "del", _link]);
        if (_blackhole is not null)
        {
            await _blackhole.DisposeAsync();
        }

        _loggerFactory.Dispose();
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }

    [RootFact(NetnsClient.Ip, NetnsClient.Busybox)]
    public async Task ClusterIp_FromNetns_ReachesLoopbackBackendByAddressAndName()
    {
        await using var pod = await NetnsClient.CreateAsync();
        using var backend = new NamedTcpBackend("web-0", IPAddress.Loopback);
        await using var proxy = await StartProxyAsync(pod.HostAddress);

        var service = await CreateServiceAsync("web", "ClusterIP");
        await WriteEndpointAsync("web", backend.EndPoint);
        var clusterIp = IPAddress.Parse(service.Spec.ClusterIP);
        Assert.True(IPNetwork.Parse(ServiceCidr).Contains(clusterIp));
        await Eventually.TrueAsync(() => proxy.Addresses!.Bound.Contains(clusterIp), "the ClusterIP bound on the link");

        // By address: the greeting of the loopback backend comes back through the proxy on the host.
        await AssertGreetingAsync(pod, clusterIp.ToString(), 80, "web-0");

        // By name, asking the kube-dns ClusterIP (10th address) on UDP 53, as a pod's resolv.conf does.
        var kubeDns = CapstanServer.ClusterDnsIp(ServiceCidr).ToString();
        Assert.Equal("10.90.128.10", kubeDns);
        await Eventually.TrueAsync(() => proxy.Addresses!.Bound.Contains(IPAddress.Parse(kubeDns)), "the kube-dns ClusterIP bound");
        var lookup = await RetryAsync(() => pod.ExecAsync(NetnsClient.Busybox, "nslookup", "web.default.svc.cluster.local", kubeDns), r => r.Output.Contains(clusterIp.ToString(), StringComparison.Ordinal));
        Assert.True(lookup.ExitCode == 0, lookup.Output);
        Assert.Contains(clusterIp.ToString(), lookup.Output, StringComparison.Ordinal);

        // kube-dns answers on TCP 53 too: the proxy accepts the connection from the namespace.
        // (busybox nc stays connected until timeout ends it; a refused connect says so at once.)
        var tcpDns = await pod.ExecAsync(NetnsClient.Busybox, "timeout", "1", NetnsClient.Busybox, "nc", "-w", "3", kubeDns, "53");
        Assert.DoesNotContain("can't connect", tcpDns.Output, StringComparison.Ordinal);
        var refused = await pod.ExecAsync(NetnsClient.Busybox, "timeout", "1", NetnsClient.Busybox, "nc", "-w", "3", kubeDns, "54");
        Assert.Contains("can't connect", refused.Output, StringComparison.Ordinal);

        // A deleted Service's address leaves the link.
        await _client!.DeleteNamespacedServiceAsync("web", ProxyTestKit.Namespace);
        await Eventually.TrueAsync(() => !proxy.Addresses!.Bound.Contains(clusterIp), "the ClusterIP removed from the link");
        var addresses = await HostCommand.RunCheckedAsync(NetnsClient.Ip, "-4", "addr", "show", "dev", _link);
        Assert.DoesNotContain(clusterIp + "/32", addresses, StringComparison.Ordinal);
    }

    [RootFact(NetnsClient.Ip, NetnsClient.Busybox)]
    public async Task NodePort_FromNetns_ReachesBackendOnNodeAddress()
    {
        await using var pod = await NetnsClient.CreateAsync();
        using var backend = new NamedTcpBackend("np-0", IPAddress.Loopback);
        await using var proxy = await StartProxyAsync(pod.HostAddress);

        var service = await CreateServiceAsync("np", "NodePort");
        await WriteEndpointAsync("np", backend.EndPoint);
        var nodePort = service.Spec.Ports[0].NodePort!.Value;

        await AssertGreetingAsync(pod, pod.HostAddress.ToString(), nodePort, "np-0");
        await AssertGreetingAsync(pod, service.Spec.ClusterIP, 80, "np-0");
    }

    private Task<ServiceProxyHost> StartProxyAsync(IPAddress nodeIp) =>
        ServiceProxyHost.StartAsync(_client!, new ServiceProxyOptions
        {
            NodeName = "netns-node",
            NodeIp = nodeIp,
            ServiceAddresses = new ServiceAddressOptions { ServiceCidr = IPNetwork.Parse(ServiceCidr), InterfaceName = _link },
        }, 0, _loggerFactory, CancellationToken.None);

    private async Task<V1Service> CreateServiceAsync(string name, string type) =>
        await _client!.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1ServiceSpec { Type = type, Ports = [new V1ServicePort { Name = "p", Port = 80, Protocol = "TCP", TargetPort = 80 }] },
        }, ProxyTestKit.Namespace);

    private async Task WriteEndpointAsync(string service, IPEndPoint endPoint) =>
        await _client!.CreateNamespacedEndpointSliceAsync(new V1EndpointSlice
        {
            Metadata = new V1ObjectMeta { Name = service + "-0", Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = service } },
            AddressType = "IPv4",
            Ports = [new Discoveryv1EndpointPort { Name = "p", Port = endPoint.Port, Protocol = "TCP" }],
            Endpoints = [new V1Endpoint { Addresses = [endPoint.Address.ToString()], Conditions = new V1EndpointConditions { Ready = true } }],
        }, ProxyTestKit.Namespace);

    // busybox nc prints the backend's greeting line; the listener may take a moment to follow the watch.
    private static async Task AssertGreetingAsync(NetnsClient pod, string address, int port, string expected)
    {
        var result = await RetryAsync(() => pod.ExecAsync(NetnsClient.Busybox, "nc", "-w", "2", address, port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            r => r.Output.Contains(expected, StringComparison.Ordinal));
        Assert.Contains(expected, result.Output, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output)> RetryAsync(Func<Task<(int ExitCode, string Output)>> run, Func<(int ExitCode, string Output), bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            var result = await run();
            if (done(result) || DateTime.UtcNow > deadline)
            {
                return result;
            }

            await Task.Delay(200);
        }
    }
}
