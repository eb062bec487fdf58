using System.Net;
using System.Net.Sockets;
using Capstan.ApiServer.Security;
using Capstan.Client.Dynamic;
using Capstan.Client.Informers;
using Capstan.Network.Catalog;
using Capstan.Network.Dns;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Capstan.Server;

/// <summary>
/// The cluster DNS of `capstan server`: a DNS server on the bind address (port <see cref="ServerConfig.ClusterDnsPort"/>),
/// published the way Kubernetes users expect it, as the `kube-dns` Service in kube-system on the tenth service IP with a
/// hand-kept EndpointSlice pointing at the listener; the service proxy carries port 53 of that IP to it on every node.
/// </summary>
public sealed partial class CapstanServer
{
    public const string KubeDnsName = "kube-dns";
    public const string KubeDnsSliceName = "kube-dns-capstan";
    public const string KubeDnsManagedBy = "cluster-dns.capstan.io";
    private const string KubeDnsUser = "system:serviceaccount:kube-system:kube-dns";

    private Kubernetes? _dnsClient;
    private SharedInformerFactory? _dnsInformers;
    private ClusterDnsServer? _dns;

    /// <summary>The running cluster DNS server, or null (disabled, or its port was taken).</summary>
    public ClusterDnsServer? ClusterDns => _dns;

    /// <summary>The tenth address of a service CIDR: 127.43.0.10 for 127.43.0.0/16 (k3s: 10.43.0.10), the kube-dns ClusterIP.</summary>
    public static IPAddress ClusterDnsIp(string serviceCidr)
    {
        var slash = serviceCidr.IndexOf('/');
        var bytes = IPAddress.Parse(slash < 0 ? serviceCidr : serviceCidr[..slash]).GetAddressBytes();
        bytes[^1] += 10;
        return new IPAddress(bytes);
    }

    private async Task StartDnsAsync(CancellationToken ct)
    {
        if (Config.DisableDns)
        {
            return;
        }

        var logger = _loggerFactory.CreateLogger("Capstan.ClusterDns");
        var listen = new IPEndPoint(Config.BindAddress, Config.ClusterDnsPort);
        var advertised = Config.BindAddress.Equals(IPAddress.Any) || Config.BindAddress.Equals(IPAddress.IPv6Any)
            ? Config.Agent?.NodeIp ?? IPAddress.Loopback
            : Config.BindAddress;
        var serviceIp = ClusterDnsIp(Config.ServiceCidr);

        // The kube-dns service account, as CoreDNS runs (system:kube-dns: list and watch services and endpoint slices).
        _dnsClient = CreateInProcessClient(KubeDnsUser, "system:serviceaccounts", "system:serviceaccounts:kube-system", SystemGroups.Authenticated);
        _dnsInformers = new SharedInformerFactory(new DynamicClient(_dnsClient), _loggerFactory);
        var catalog = new ServiceCatalog(_dnsInformers);
        _dnsInformers.Start(_controllersStop.Token);
        await catalog.WaitForSyncAsync(ct).ConfigureAwait(false);

        var upstreams = Config.DnsUpstreams
            ?? ResolvConfUpstreams.Load(ResolvConfUpstreams.HostPath, [new IPEndPoint(serviceIp, 53), listen, new IPEndPoint(advertised, Config.ClusterDnsPort)]);
        try
        {
            _dns = ClusterDnsServer.Start(catalog, new ClusterDnsOptions
            {
                ClusterDomain = Config.ClusterDomain,
                ListenEndPoint = listen,
                Upstreams = upstreams,
            }, _loggerFactory);
        }
        catch (SocketException ex)
        {
            // A taken port costs cluster names, not the whole server (two servers on one machine, tests side by side).
            logger.LogError("cluster DNS not started: cannot listen on {EndPoint} ({Error}); pass --cluster-dns-port or --disable-dns", listen, ex.Message);
            return;
        }

        logger.LogInformation("cluster DNS for {Domain} on {EndPoint} (kube-dns {ServiceIp}); upstream {Upstreams}",
            Config.ClusterDomain, listen, serviceIp, upstreams.Count == 0 ? "none" : string.Join(", ", upstreams));
        try
        {
            await PublishKubeDnsAsync(serviceIp, advertised, ct).ConfigureAwait(false);
        }
        catch (HttpOperationException ex)
        {
            logger.LogWarning("cluster DNS: cannot publish the kube-dns Service: {Status} {Body}", ex.Response.StatusCode, ex.Response.Content);
        }
    }

    // kube-dns has no selector: its one EndpointSlice is ours (managed-by keeps the mirroring controller off it).
    private async Task PublishKubeDnsAsync(IPAddress serviceIp, IPAddress advertised, CancellationToken ct)
    {
        using var admin = CreateInProcessClient("system:capstan-cluster-dns", SystemGroups.Masters, SystemGroups.Authenticated);
        const string ns = "kube-system";
        var port = Config.ClusterDnsPort;
        var service = new V1Service
        {
            Metadata = new V1ObjectMeta
            {
                Name = KubeDnsName,
                NamespaceProperty = ns,
                Labels = new Dictionary<string, string> { ["k8s-app"] = KubeDnsName, ["kubernetes.io/cluster-service"] = "true", ["kubernetes.io/name"] = "CoreDNS" },
            },
            Spec = new V1ServiceSpec
            {
                ClusterIP = serviceIp.ToString(),
                Ports =
                [
                    new V1ServicePort { Name = "dns", Port = 53, Protocol = "UDP", TargetPort = port },
                    new V1ServicePort { Name = "dns-tcp", Port = 53, Protocol = "TCP", TargetPort = port },
                ],
            },
        };
        // Read first: on a restart a create would be refused for its taken ClusterIP (422) before its taken name (409).
        V1Service? existing = null;
        try
        {
            existing = await admin.ReadNamespacedServiceAsync(KubeDnsName, ns, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
        }

        if (existing is null)
        {
            await admin.CreateNamespacedServiceAsync(service, ns, cancellationToken: ct).ConfigureAwait(false);
        }
        else
        {
            if (!existing.Spec.Ports.Select(p => (p.Name, p.Protocol, p.TargetPort?.Value)).SequenceEqual(service.Spec.Ports.Select(p => (p.Name, p.Protocol, p.TargetPort?.Value))))
            {
                existing.Spec.Ports = service.Spec.Ports;
                await admin.ReplaceNamespacedServiceAsync(existing, KubeDnsName, ns, cancellationToken: ct).ConfigureAwait(false);
            }
        }

        var slice = new V1EndpointSlice
        {
            Metadata = new V1ObjectMeta
            {
                Name = KubeDnsSliceName,
                NamespaceProperty = ns,
                Labels = new Dictionary<string, string>
                {
                    [EndpointSliceServiceNameLabel] = KubeDnsName,
                    ["endpointslice.kubernetes.io/managed-by"] = KubeDnsManagedBy,
                },
            },
            AddressType = advertised.AddressFamily == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4",
            Ports =
            [
                new Discoveryv1EndpointPort { Name = "dns", Port = port, Protocol = "UDP" },
                new Discoveryv1EndpointPort { Name = "dns-tcp", Port = port, Protocol = "TCP" },
            ],
            Endpoints =
            [
                new V1Endpoint
                {
                    Addresses = [advertised.ToString()],
                    Conditions = new V1EndpointConditions { Ready = true, Serving = true, Terminating = false },
                    NodeName = Config.Agent?.NodeName,
                },
            ],
        };
        try
        {
            await admin.CreateNamespacedEndpointSliceAsync(slice, ns, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Conflict)
        {
            var existingSlice = await admin.ReadNamespacedEndpointSliceAsync(KubeDnsSliceName, ns, cancellationToken: ct).ConfigureAwait(false);
            slice.Metadata.ResourceVersion = existingSlice.Metadata.ResourceVersion;
            await admin.ReplaceNamespacedEndpointSliceAsync(slice, KubeDnsSliceName, ns, cancellationToken: ct).ConfigureAwait(false);
        }

        await PublishKubeDnsEndpointsAsync(admin, advertised, port, Config.Agent?.NodeName, ct).ConfigureAwait(false);
    }

    private const string EndpointSliceServiceNameLabel = "kubernetes.io/service-name";

    // The legacy Endpoints too, for `kubectl get endpoints kube-dns` and older clients; skip-mirror keeps the
    // EndpointSlice mirroring controller from copying it into a second slice.
    private static async Task PublishKubeDnsEndpointsAsync(Kubernetes admin, IPAddress advertised, int port, string? nodeName, CancellationToken ct)
    {
        var endpoints = new V1Endpoints
        {
            Metadata = new V1ObjectMeta
            {
                Name = KubeDnsName,
                NamespaceProperty = "kube-system",
                Labels = new Dictionary<string, string> { ["endpointslice.kubernetes.io/skip-mirror"] = "true", ["k8s-app"] = KubeDnsName },
            },
            Subsets =
            [
                new V1EndpointSubset
                {
                    Addresses = [new V1EndpointAddress { Ip = advertised.ToString(), NodeName = nodeName }],
                    Ports = [new Corev1EndpointPort { Name = "dns", Port = port, Protocol = "UDP" }, new Corev1EndpointPort { Name = "dns-tcp", Port = port, Protocol = "TCP" }],
                },
            ],
        };
        try
        {
            await admin.CreateNamespacedEndpointsAsync(endpoints, "kube-system", cancellationToken: ct).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Conflict)
        {
            var existing = await admin.ReadNamespacedEndpointsAsync(KubeDnsName, "kube-system", cancellationToken: ct).ConfigureAwait(false);
            endpoints.Metadata.ResourceVersion = existing.Metadata.ResourceVersion;
            await admin.ReplaceNamespacedEndpointsAsync(endpoints, KubeDnsName, "kube-system", cancellationToken: ct).ConfigureAwait(false);
        }
    }

    private async Task StopDnsAsync()
    {
        if (_dns is not null)
        {
            await _dns.DisposeAsync().ConfigureAwait(false);
        }

        if (_dnsInformers is not null)
        {
            await _dnsInformers.DisposeAsync().ConfigureAwait(false);
        }

        _dnsClient?.Dispose();
    }
}
