using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Capstan.Network.Catalog;
using Capstan.Network.Dns;
using Capstan.Network.Tests.Infrastructure;
using Capstan.Server;

namespace Capstan.Network.Tests.Dns;

/// <summary>A catalog over the fixture's server and a cluster DNS server on a free loopback port, with a client for it.</summary>
internal sealed class DnsTestServer : IAsyncDisposable
{
    private readonly Capstan.Client.Informers.SharedInformerFactory _informers;
    private readonly CancellationTokenSource _stop;

    private DnsTestServer(Capstan.Client.Informers.SharedInformerFactory informers, CancellationTokenSource stop, ServiceCatalog catalog, ClusterDnsServer server, DnsClient client)
    {
        _informers = informers;
        _stop = stop;
        Catalog = catalog;
        Server = server;
        Client = client;
    }

    public ServiceCatalog Catalog { get; }

    public ClusterDnsServer Server { get; }

    public DnsClient Client { get; }

    public static async Task<DnsTestServer> StartAsync(ServerFixture fixture, IReadOnlyList<IPEndPoint>? upstreams = null)
    {
        var informers = fixture.CreateInformers();
        var catalog = new ServiceCatalog(informers);
        var stop = new CancellationTokenSource();
        informers.Start(stop.Token);
        await catalog.WaitForSyncAsync(stop.Token);
        var port = CapstanServer.FreePort();
        var server = ClusterDnsServer.Start(catalog, new ClusterDnsOptions
        {
            ListenEndPoint = new IPEndPoint(IPAddress.Loopback, port),
            Upstreams = upstreams ?? [],
        }, fixture.LoggerFactory);
        return new DnsTestServer(informers, stop, catalog, server, ClientFor(new IPEndPoint(IPAddress.Loopback, port)));
    }

    public static DnsClient ClientFor(IPEndPoint endPoint) =>
        new([endPoint.Address], [new UdpClientTransport(endPoint.Port), new TcpClientTransport(endPoint.Port)], true, 5000);

    public async Task<DnsMessage> QueryAsync(string name, RecordType type)
    {
        var answer = await Client.ResolveAsync(DomainName.Parse(name), type, RecordClass.INet, new DnsQueryOptions { IsRecursionDesired = true });
        Assert.NotNull(answer);
        return answer;
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        await _stop.CancelAsync();
        await _informers.DisposeAsync();
        _stop.Dispose();
    }
}
