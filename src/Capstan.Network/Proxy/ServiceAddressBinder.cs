using System.Net;
using Capstan.Network.Catalog;
using Microsoft.Extensions.Logging;

namespace Capstan.Network.Proxy;

/// <summary>
/// Makes ClusterIPs outside 127.0.0.0/8 local addresses of this host, each a /32 on one link (a dummy link, or an
/// empty bridge where the kernel has no dummy driver, as in these containers), so the user-space proxy listens on
/// them as it does on loopback ClusterIPs and packets from pods, routed to the host through their bridge gateway, are
/// delivered to it.
/// <para>
/// Chosen over kernel DNAT (nftables nat hooks work here too) because the proxy already implements what Services
/// need — round robin, ClientIP affinity, traffic policies, draining NotReady endpoints, UDP flows, metrics — and
/// reaches backends on loopback (the cluster DNS on 127.0.0.1, the API server) that DNAT from a pod could only reach
/// with route_localnet; one data path for node and pods keeps one behaviour. Measured from a netns through a veth
/// (Python client, new connection per request, 2,000 requests, noisy 2-core machine): sequential p50 0.63–0.68 ms
/// through the proxy against 0.17–0.19 ms with DNAT (direct 0.18–0.35 ms); 8 concurrent clients 0.9–1.4k conn/s
/// against 2.2–2.3k. DNAT is cheaper per connection; the proxy's cost is well under what pods' service traffic
/// needs, and the long-lived connections the relay is tuned for pay it once.
/// Each address is one rtnetlink request: 1,000 added in about 220 ms, against about 9 ms per `ip addr add` process.
/// </para>
/// Subscribes to the catalog before the proxy does, so a service's address is on the link when the proxy binds it.
/// </summary>
public sealed class ServiceAddressBinder : IDisposable
{
    private readonly ServiceCatalog _catalog;
    private readonly ServiceAddressOptions _options;
    private readonly ILogger _logger;
    private readonly NetlinkRoute _netlink = new();
    private readonly Dictionary<IPAddress, HashSet<ServiceKey>> _owners = [];
    private readonly Lock _lock = new();
    private IDisposable? _subscription;
    private int _index;

    public ServiceAddressBinder(ServiceCatalog catalog, ServiceAddressOptions options, ILoggerFactory loggerFactory)
    {
        _catalog = catalog;
        _options = options;
        _logger = loggerFactory.CreateLogger<ServiceAddressBinder>();
    }

    /// <summary>The link's kind as created or found: "dummy", "bridge", or "existing".</summary>
    public string LinkKind { get; private set; } = "";

    /// <summary>The addresses bound now.</summary>
    public IReadOnlyCollection<IPAddress> Bound
    {
        get
        {
            lock (_lock)
            {
                return [.. _owners.Keys];
            }
        }
    }

    /// <summary>Creates and raises the link if needed, then follows the catalog: addresses of services seen so far and later are added.</summary>
    public void Start()
    {
        EnsureLink();
        _subscription = _catalog.Subscribe(OnChange);
    }

    /// <summary>
    /// Adds missing addresses of the catalog's current services and removes the link's addresses in the service CIDR
    /// that none has (left by an earlier run): call it once the catalog has synced.
    /// </summary>
    public void Reconcile()
    {
        lock (_lock)
        {
            foreach (var (key, view) in _catalog.Services)
            {
                foreach (var ip in Bindable(view))
                {
                    AddLocked(ip, key);
                }
            }

            foreach (var ip in _netlink.ListAddresses(_index))
            {
                if (!_owners.ContainsKey(ip) && _options.ServiceCidr.Contains(ip))
                {
                    _netlink.DeleteAddress(_index, ip);
                }
            }
        }
    }

    public void Dispose()
    {
        _subscription?.Dispose();
        lock (_lock)
        {
            if (_options.RemoveOnDispose)
            {
                foreach (var ip in _owners.Keys)
                {
                    TryDelete(ip);
                }
            }

            _owners.Clear();
        }

        _netlink.Dispose();
    }

    private void EnsureLink()
    {
        var name = _options.InterfaceName;
        if (NetlinkRoute.IndexOf(name) == 0)
        {
            try
            {
                _netlink.CreateLink(name, "dummy");
                LinkKind = "dummy";
            }
            catch (NetlinkException e) when (e.Errno == 95)
            {
                // EOPNOTSUPP: no dummy driver. A bridge with no ports holds local addresses just the same.
                _netlink.CreateLink(name, "bridge");
                LinkKind = "bridge";
            }
        }
        else
        {
            LinkKind = "existing";
        }

        _index = NetlinkRoute.IndexOf(name);
        if (_index == 0)
        {
            throw new InvalidOperationException($"link {name} vanished after it was created");
        }

        _netlink.SetUp(_index);
        _logger.LogInformation("ClusterIPs of {Cidr} are bound on {Link} ({Kind})", _options.ServiceCidr, name, LinkKind);
    }

    private void OnChange(ServiceChange change)
    {
        var before = change.Old is null ? [] : Bindable(change.Old).ToHashSet();
        var after = change.New is null ? [] : Bindable(change.New).ToHashSet();
        if (before.SetEquals(after))
        {
            // Endpoint changes, the common case, cost no netlink work.
            return;
        }

        lock (_lock)
        {
            foreach (var ip in after.Except(before))
            {
                AddLocked(ip, change.Key);
            }

            foreach (var ip in before.Except(after))
            {
                if (_owners.TryGetValue(ip, out var owners) && owners.Remove(change.Key) && owners.Count == 0)
                {
                    _owners.Remove(ip);
                    TryDelete(ip);
                }
            }
        }
    }

    private void AddLocked(IPAddress ip, ServiceKey key)
    {
        if (!_owners.TryGetValue(ip, out var owners))
        {
            owners = [];
            _owners[ip] = owners;
            try
            {
                _netlink.AddAddress(_index, ip);
            }
            catch (NetlinkException e)
            {
                _logger.LogWarning("cannot bind ClusterIP {Address} of {Service} on {Link}: {Error}", ip, key, _options.InterfaceName, e.Message);
            }
        }

        owners.Add(key);
    }

    private void TryDelete(IPAddress ip)
    {
        try
        {
            _netlink.DeleteAddress(_index, ip);
        }
        catch (NetlinkException e)
        {
            _logger.LogWarning("cannot remove ClusterIP {Address} from {Link}: {Error}", ip, _options.InterfaceName, e.Message);
        }
    }

    private IEnumerable<IPAddress> Bindable(ServiceView view) =>
        view.ClusterIps.Where(ip => ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && _options.ServiceCidr.Contains(ip));
}
