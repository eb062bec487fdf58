using System.Net;
using Capstan.ApiServer.Security;
using Capstan.Client.Dynamic;
using Capstan.Client.Informers;
using Capstan.Network.Catalog;
using Capstan.Network.Ingress;
using k8s;
using Microsoft.Extensions.Logging;

namespace Capstan.Server;

/// <summary>The built-in ingress controller, running in the server as system:capstan:ingress-controller.</summary>
public sealed partial class CapstanServer
{
    private Kubernetes? _ingressClient;
    private SharedInformerFactory? _ingressInformers;
    private IngressController? _ingress;

    /// <summary>The running ingress controller, or null when disabled or when its ports could not be bound.</summary>
    public IngressController? Ingress => _ingress;

    // A port already taken (another server, or port 80 without root) costs the ingress, not the server: the error says
    // which flag to change.
    private async Task StartIngressAsync(CancellationToken ct)
    {
        if (Config.Ingress is not { } options)
        {
            return;
        }

        // The ingress listens on the node's address, not on every address: the service proxy listens on ClusterIPs
        // inside 127.0.0.0/8 (127.43.0.1:443 is the kubernetes Service), and on Linux a wildcard listener on a port
        // conflicts with any specific one on it.
        var nodeIp = Config.Agent?.NodeIp ?? (Config.BindAddress.Equals(IPAddress.Any) ? IPAddress.Loopback : Config.BindAddress);
        if (options.BindAddress.Equals(IPAddress.Any))
        {
            options = options with { BindAddress = nodeIp };
        }

        if (options.StatusAddress == new IngressOptions().StatusAddress)
        {
            options = options with { StatusAddress = nodeIp.ToString() };
        }

        _ingressClient = CreateInProcessClient(BootstrapPolicy.IngressControllerRole);
        _ingressInformers = new SharedInformerFactory(new DynamicClient(_ingressClient), _loggerFactory);
        var catalog = new ServiceCatalog(_ingressInformers);
        var ingress = new IngressController(_ingressInformers, catalog, options, _loggerFactory);
        _ingressInformers.Start(_controllersStop.Token);
        try
        {
            await ingress.StartAsync(ct).ConfigureAwait(false);
            _ingress = ingress;
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException)
        {
            _loggerFactory.CreateLogger<CapstanServer>().LogError(ex,
                "ingress disabled: cannot listen on {HttpPort}/{HttpsPort}; choose others with --ingress-http-port and --ingress-https-port, or pass --disable-ingress",
                options.HttpPort, options.HttpsPort);
            await ingress.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _loggerFactory.CreateLogger<CapstanServer>().LogError(ex, "ingress disabled: it failed to start");
            await ingress.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task StopIngressAsync()
    {
        if (_ingress is not null)
        {
            await _ingress.DisposeAsync().ConfigureAwait(false);
        }

        if (_ingressInformers is not null)
        {
            await _ingressInformers.DisposeAsync().ConfigureAwait(false);
        }

        _ingressClient?.Dispose();
    }
}
