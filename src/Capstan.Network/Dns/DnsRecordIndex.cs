using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Capstan.Network.Catalog;

namespace Capstan.Network.Dns;

/// <summary>
/// The cluster zone as a dictionary from name to records, kept current from the <see cref="ServiceCatalog"/>: a change
/// to one service rebuilds only the names that service contributes (its A/AAAA/CNAME name, SRV names, per-endpoint names,
/// PTR names and the empty non-terminals above them), so queries never walk the services. Names are compared
/// case-insensitively, as the Kubernetes DNS schema requires. Readers never lock.
/// </summary>
public sealed class DnsRecordIndex : IDisposable
{
    public const string SchemaVersion = "1.1.0";

    // Names that exist whatever services there are: the apex (SOA, NS), `svc`, `pod` and `dns-version`.
    private static readonly ServiceKey s_zoneOwner = new("", "");

    private readonly Lock _lock = new();
    private readonly ConcurrentDictionary<string, DnsNameEntry> _entries = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, DnsNameEntry>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly Dictionary<ServiceKey, Dictionary<string, List<DnsRecordBase>>> _byService = [];
    private readonly Dictionary<string, HashSet<ServiceKey>> _owners = new(StringComparer.OrdinalIgnoreCase);
    private readonly string _zone;
    private readonly string _zoneSuffix;
    private readonly int _ttl;
    private ServiceCatalog? _catalog;
    private IDisposable? _subscription;

    public DnsRecordIndex(string clusterDomain, int ttlSeconds)
    {
        _zone = clusterDomain.Trim('.').ToLowerInvariant();
        _zoneSuffix = "." + _zone;
        _ttl = ttlSeconds;
        _lookup = _entries.GetAlternateLookup<ReadOnlySpan<char>>();
        ZoneName = DomainName.Parse(_zone);
        Soa = new SoaRecord(ZoneName, _ttl, DomainName.Parse("ns.dns." + _zone), DomainName.Parse("hostmaster." + _zone),
            (uint)DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 7200, 1800, 86400, _ttl);
        var zone = new Dictionary<string, List<DnsRecordBase>>(StringComparer.OrdinalIgnoreCase)
        {
            [_zone] = [Soa, new NsRecord(ZoneName, _ttl, DomainName.Parse("ns.dns." + _zone))],
            ["svc" + _zoneSuffix] = [],
            ["pod" + _zoneSuffix] = [],
            ["dns-version" + _zoneSuffix] = [new TxtRecord(DomainName.Parse("dns-version" + _zoneSuffix), _ttl, SchemaVersion)],
        };
        lock (_lock)
        {
            ApplyLocked(s_zoneOwner, zone);
        }
    }

    /// <summary>The cluster domain, lower case, without a trailing dot.</summary>
    public string Zone => _zone;

    public DomainName ZoneName { get; }

    /// <summary>The zone's SOA, sent in the authority section of negative answers.</summary>
    public SoaRecord Soa { get; }

    public int TtlSeconds => _ttl;

    /// <summary>How many names the index holds (for tests and metrics).</summary>
    public int Count => _entries.Count;

    /// <summary>Loads every service of <paramref name="catalog"/> and follows its changes until disposed.</summary>
    public void Attach(ServiceCatalog catalog)
    {
        _catalog = catalog;

        // Subscribe before the initial load: a change in between is applied twice, which is harmless because every
        // refresh reads the catalog's current view of the service.
        _subscription = catalog.Subscribe(change => Refresh(change.Key));
        foreach (var key in catalog.Services.Keys)
        {
            Refresh(key);
        }
    }

    /// <summary>The entry for a name (no trailing dot, any case), or null if the zone has no such name.</summary>
    public DnsNameEntry? Find(ReadOnlySpan<char> name) => _lookup.TryGetValue(name, out var entry) ? entry : null;

    /// <summary>Rebuilds the names of one service from the catalog's current view.</summary>
    public void Refresh(ServiceKey key)
    {
        var view = _catalog?.Services.GetValueOrDefault(key);
        Apply(key, view);
    }

    /// <summary>Replaces the records <paramref name="key"/> contributes with those of <paramref name="view"/> (null: none).</summary>
    public void Apply(ServiceKey key, ServiceView? view)
    {
        var contributions = view is null ? [] : Build(view);
        lock (_lock)
        {
            ApplyLocked(key, contributions);
        }
    }

    public void Dispose() => _subscription?.Dispose();

    private void ApplyLocked(ServiceKey key, Dictionary<string, List<DnsRecordBase>> contributions)
    {
        var old = _byService.GetValueOrDefault(key);
        if (contributions.Count == 0)
        {
            _byService.Remove(key);
        }
        else
        {
            _byService[key] = contributions;
        }

        var affected = new HashSet<string>(contributions.Keys, StringComparer.OrdinalIgnoreCase);
        if (old is not null)
        {
            affected.UnionWith(old.Keys);
        }

        foreach (var name in affected)
        {
            if (!_owners.TryGetValue(name, out var owners))
            {
                owners = [];
                _owners[name] = owners;
            }

            if (contributions.ContainsKey(name))
            {
                owners.Add(key);
            }
            else
            {
                owners.Remove(key);
            }

            if (owners.Count == 0)
            {
                _owners.Remove(name);
                _entries.TryRemove(name, out _);
                continue;
            }

            var records = new List<DnsRecordBase>();
            foreach (var owner in owners)
            {
                records.AddRange(_byService[owner][name]);
            }

            _entries[name] = new DnsNameEntry(DomainName.Parse(name), records);
        }
    }

    // The records one service contributes, by name (lower case); empty lists mark names that exist without records.
    private Dictionary<string, List<DnsRecordBase>> Build(ServiceView view)
    {
        var names = new Dictionary<string, List<DnsRecordBase>>(StringComparer.OrdinalIgnoreCase);
        var serviceName = $"{view.Key.Name}.{view.Key.Namespace}.svc{_zoneSuffix}".ToLowerInvariant();
        var serviceDomain = DomainName.Parse(serviceName);
        var namespaceName = $"{view.Key.Namespace}.svc{_zoneSuffix}".ToLowerInvariant();

        if (view.Type == "ExternalName")
        {
            if (!string.IsNullOrEmpty(view.ExternalName) && DomainName.TryParse(view.ExternalName.TrimEnd('.'), out var target) && target is not null)
            {
                Add(names, serviceName, new CNameRecord(serviceDomain, _ttl, target));
                Add(names, namespaceName, null);
            }

            return names;
        }

        if (!view.Headless)
        {
            if (view.ClusterIps.Count == 0)
            {
                return names;
            }

            foreach (var ip in view.ClusterIps)
            {
                Add(names, serviceName, Address(serviceDomain, ip));
                Add(names, DnsNames.Reverse(ip), new PtrRecord(DomainName.Parse(DnsNames.Reverse(ip)), _ttl, serviceDomain));
            }

            foreach (var port in view.Ports)
            {
                if (SrvName(port, serviceName) is { } srvName)
                {
                    Add(names, srvName, new SrvRecord(DomainName.Parse(srvName), _ttl, 0, 100, (ushort)port.Port, serviceDomain));
                }
            }
        }
        else
        {
            // A headless service answers with its endpoints; without any it does not exist (NXDOMAIN, per the schema).
            foreach (var endpoint in view.Endpoints)
            {
                if (endpoint.Addresses.Count == 0 || !(endpoint.Ready || view.PublishNotReadyAddresses))
                {
                    continue;
                }

                var host = string.IsNullOrEmpty(endpoint.Hostname) ? DnsNames.Dashed(endpoint.Addresses[0]) : endpoint.Hostname;
                var hostName = $"{host}.{serviceName}".ToLowerInvariant();
                var hostDomain = DomainName.Parse(hostName);
                foreach (var address in endpoint.Addresses)
                {
                    Add(names, serviceName, Address(serviceDomain, address));
                    Add(names, hostName, Address(hostDomain, address));
                    Add(names, DnsNames.Reverse(address), new PtrRecord(DomainName.Parse(DnsNames.Reverse(address)), _ttl, hostDomain));
                }

                foreach (var port in view.Ports)
                {
                    if (SrvName(port, serviceName) is not { } srvName)
                    {
                        continue;
                    }

                    // The endpoint's own port (the target port) is where a client of a headless service connects.
                    var backend = port.Backends.FirstOrDefault(b => b.Address.Equals(endpoint.Addresses[0]));
                    var number = backend?.Port ?? port.Port;
                    Add(names, srvName, new SrvRecord(DomainName.Parse(srvName), _ttl, 0, 100, (ushort)number, hostDomain));
                }
            }
        }

        // Every name between a record and the zone exists too (`_tcp.web.default.svc.cluster.local`, `default.svc...`).
        foreach (var name in names.Keys.Where(n => n.EndsWith(_zoneSuffix, StringComparison.OrdinalIgnoreCase)).ToList())
        {
            for (var dot = name.IndexOf('.', StringComparison.Ordinal); dot >= 0; dot = name.IndexOf('.', dot + 1))
            {
                var parent = name[(dot + 1)..];
                if (parent.Length <= ("svc" + _zoneSuffix).Length)
                {
                    break;
                }

                names.TryAdd(parent, []);
            }
        }

        return names;
    }

    private DnsRecordBase Address(DomainName name, IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? new AaaaRecord(name, _ttl, address) : new ARecord(name, _ttl, address);

    private static string? SrvName(ServicePortView port, string serviceName) =>
        string.IsNullOrEmpty(port.Name) ? null : $"_{port.Name}._{port.Protocol}.{serviceName}".ToLowerInvariant();

    private static void Add(Dictionary<string, List<DnsRecordBase>> names, string name, DnsRecordBase? record)
    {
        if (!names.TryGetValue(name, out var records))
        {
            records = [];
            names[name] = records;
        }

        if (record is not null)
        {
            records.Add(record);
        }
    }
}
