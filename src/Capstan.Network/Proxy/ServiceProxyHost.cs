using System.Net;
using Capstan.Client.Dynamic;
using Capstan.Client.Informers;
using Capstan.Network.Catalog;
using k8s;
using Microsoft.Extensions.Logging;

namespace Capstan.Network.Proxy;

/// <summary>
/// The service proxy as a node agent runs it: its own informers and catalog over the agent's API client (system:node
/// identities may list and watch services and endpointslices through system:node-proxier), the proxy, and optionally
/// the /metrics endpoint.
/// </summary>
public sealed class ServiceProxyHost : IAsyncDisposable
{
    private readonly SharedInformerFactory _informers;
    private readonly ProxyMetricsServer? _metricsServer;
    private readonly ServiceAddressBinder? _addresses;

    private ServiceProxyHost(SharedInformerFactory informers, ServiceCatalog catalog, ServiceProxy proxy, ProxyMetricsServer? metricsServer, ServiceAddressBinder? addresses)
    {
        _informers = informers;
        _addresses = addresses;
        Catalog = catalog;
        Proxy = proxy;
        _metricsServer = metricsServer;
    }

    public ServiceCatalog Catalog { get; }

    public ServiceProxy Proxy { get; }

    /// <summary>The binder of non-loopback ClusterIPs, or null when the service CIDR is loopback or binding is off.</summary>
    public ServiceAddressBinder? Addresses => _addresses;

    /// <summary>The bound metrics port, or null when it is off or could not be bound.</summary>
    public int? MetricsPort => _metricsServer?.Port;

    /// <param name="metricsPort">Port of GET /metrics on <see cref="ServiceProxyOptions.NodeIp"/>; 0 for none. A port in
    /// use (another agent on this machine) is logged, not fatal.</param>
    public static async Task<ServiceProxyHost> StartAsync(IKubernetes client, ServiceProxyOptions options, int metricsPort, ILoggerFactory loggerFactory, CancellationToken ct)
    {
        var informers = new SharedInformerFactory(new DynamicClient(client), loggerFactory);
        ServiceProxy? proxy = null;
        ServiceAddressBinder? addresses = null;
        try
        {
            var catalog = new ServiceCatalog(informers);
            if (options.ServiceAddresses is { } addressOptions && ServiceAddressOptions.Needed(addressOptions.ServiceCidr))
            {
                // Before the proxy: each address is on the link by the time the proxy binds it.
                addresses = new ServiceAddressBinder(catalog, addressOptions, loggerFactory);
                try
                {
                    addresses.Start();
                }
                catch (Exception e) when (e is NetlinkException or System.Net.Sockets.SocketException or InvalidOperationException)
                {
                    // Without root (EPERM) the node still serves loopback ClusterIPs and NodePorts; pods miss the others.
                    loggerFactory.CreateLogger<ServiceProxyHost>().LogWarning("ClusterIPs of {Cidr} cannot be bound on {Link}: {Error}; they are unreachable on this node",
                        addressOptions.ServiceCidr, addressOptions.InterfaceName, e.Message);
                    addresses.Dispose();
                    addresses = null;
                }
            }

            proxy = new ServiceProxy(catalog, options, loggerFactory);
            proxy.Start();
            informers.Start(CancellationToken.None);

            // Services are served as they arrive either way; the wait only lets the agent come up with them bound, and
            // is bounded so a slow or refusing API server cannot hold the agent's start.
            using (var syncBound = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                syncBound.CancelAfter(TimeSpan.FromSeconds(10));
                try
                {
                    await catalog.WaitForSyncAsync(syncBound.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    loggerFactory.CreateLogger<ServiceProxyHost>().LogWarning("the service proxy's services and endpointslices are not listed yet; serving them as they arrive");
                }
            }
            ProxyMetricsServer? metricsServer = null;
            if (metricsPort > 0)
            {
                try
                {
                    metricsServer = await ProxyMetricsServer.StartAsync(proxy.Metrics, options.NodeIp, metricsPort, ct).ConfigureAwait(false);
                }
                catch (IOException e)
                {
                    loggerFactory.CreateLogger<ServiceProxyHost>().LogWarning("service proxy metrics not served on {Address}:{Port}: {Error}", options.NodeIp, metricsPort, e.Message);
                }
            }

            addresses?.Reconcile();
            return new ServiceProxyHost(informers, catalog, proxy, metricsServer, addresses);
        }
        catch
        {
            if (proxy is not null)
            {
                await proxy.DisposeAsync().ConfigureAwait(false);
            }

            await informers.DisposeAsync().ConfigureAwait(false);
            addresses?.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_metricsServer is not null)
        {
            await _metricsServer.DisposeAsync().ConfigureAwait(false);
        }

        await Proxy.DisposeAsync().ConfigureAwait(false);
        await _informers.DisposeAsync().ConfigureAwait(false);
        _addresses?.Dispose();
    }
}
