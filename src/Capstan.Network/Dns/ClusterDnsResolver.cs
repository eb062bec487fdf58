using System.Net.Sockets;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;

namespace Capstan.Network.Dns;

/// <summary>
/// Answers questions about the cluster zone from a <see cref="DnsRecordIndex"/>, following the Kubernetes DNS schema:
/// service, endpoint, SRV and PTR names come from the index; `a-b-c-d.&lt;ns&gt;.pod.&lt;zone&gt;` answers the address
/// it spells (CoreDNS's "pods insecure"); names outside the zone, and reverse names the index lacks, are forwarded.
/// </summary>
public sealed class ClusterDnsResolver(DnsRecordIndex index)
{
    private const string PodLabel = "pod";

    public DnsRecordIndex Index => index;

    /// <summary>Looks <paramref name="name"/> (with or without the trailing dot, any case) up for <paramref name="type"/>.</summary>
    public DnsLookup Lookup(ReadOnlySpan<char> name, RecordType type)
    {
        if (name.EndsWith('.'))
        {
            name = name[..^1];
        }

        var zone = index.Zone;
        var inZone = name.Equals(zone, StringComparison.OrdinalIgnoreCase)
            || (name.Length > zone.Length && name[^(zone.Length + 1)] == '.' && name.EndsWith(zone, StringComparison.OrdinalIgnoreCase));
        var entry = index.Find(name);
        if (!inZone)
        {
            // Reverse names for ClusterIPs and endpoints are ours; the rest of in-addr.arpa falls through upstream.
            return entry is null ? DnsLookup.Forward : Answer(entry, type);
        }

        if (entry is not null)
        {
            return Answer(entry, type);
        }

        return PodLookup(name[..^(zone.Length + 1)], type);
    }

    private static DnsLookup Answer(DnsNameEntry entry, RecordType type)
    {
        var records = entry.Get(type);
        if (records.Length > 0)
        {
            return new DnsLookup(DnsLookupKind.Answer, records, entry);
        }

        // A CNAME answers every type; the caller chases the target.
        return entry.Cname is { } cname ? new DnsLookup(DnsLookupKind.Answer, [cname], entry) : DnsLookup.NoData;
    }

    // `<dashed-ip>.<ns>.pod` (the zone already cut off): the address itself, with no check that a pod has it.
    private DnsLookup PodLookup(ReadOnlySpan<char> relative, RecordType type)
    {
        if (!relative.EndsWith("." + PodLabel, StringComparison.OrdinalIgnoreCase))
        {
            return DnsLookup.NxDomain;
        }

        var beforePod = relative[..^(PodLabel.Length + 1)];
        var dot = beforePod.IndexOf('.');
        if (dot < 0)
        {
            // `<ns>.pod.<zone>` exists as the parent of pod names.
            return DnsLookup.NoData;
        }

        var label = beforePod[..dot];
        if (beforePod[(dot + 1)..].Contains('.') || DnsNames.ParseDashed(label) is not { } address)
        {
            return DnsLookup.NxDomain;
        }

        var wanted = address.AddressFamily == AddressFamily.InterNetwork ? RecordType.A : RecordType.Aaaa;
        if (type != wanted && type != RecordType.Any)
        {
            return DnsLookup.NoData;
        }

        var owner = DomainName.Parse($"{relative.ToString()}.{index.Zone}");
        DnsRecordBase record = wanted == RecordType.A ? new ARecord(owner, index.TtlSeconds, address) : new AaaaRecord(owner, index.TtlSeconds, address);
        return new DnsLookup(DnsLookupKind.Answer, [record]);
    }
}
