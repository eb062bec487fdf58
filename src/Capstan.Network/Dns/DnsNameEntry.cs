using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;

namespace Capstan.Network.Dns;

/// <summary>
/// Every record at one name, split by type once when the name changes so that a query picks its answer without
/// filtering or allocating. A name with no records still exists (an empty non-terminal such as `default.svc.cluster.local`):
/// queries for it get NOERROR with no answer rather than NXDOMAIN.
/// </summary>
public sealed class DnsNameEntry
{
    public DnsNameEntry(DomainName name, IReadOnlyList<DnsRecordBase> records)
    {
        Name = name;
        Records = [.. records];
        A = Of(RecordType.A);
        Aaaa = Of(RecordType.Aaaa);
        Srv = Of(RecordType.Srv);
        Ptr = Of(RecordType.Ptr);
        Cname = Records.OfType<CNameRecord>().FirstOrDefault();
    }

    public DomainName Name { get; }

    public DnsRecordBase[] Records { get; }

    public DnsRecordBase[] A { get; }

    public DnsRecordBase[] Aaaa { get; }

    public DnsRecordBase[] Srv { get; }

    public DnsRecordBase[] Ptr { get; }

    /// <summary>An ExternalName service's alias; a name with a CNAME has no other records.</summary>
    public CNameRecord? Cname { get; }

    public DnsRecordBase[] Get(RecordType type) => type switch
    {
        RecordType.A => A,
        RecordType.Aaaa => Aaaa,
        RecordType.Srv => Srv,
        RecordType.Ptr => Ptr,
        RecordType.Any => Records,
        _ => Of(type),
    };

    private DnsRecordBase[] Of(RecordType type)
    {
        var matching = Records.Where(r => r.RecordType == type).ToArray();
        return matching.Length == 0 ? [] : matching;
    }
}
