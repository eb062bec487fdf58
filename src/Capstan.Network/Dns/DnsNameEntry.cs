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

    // The encoded answer sections of A, AAAA, SRV, PTR and CNAME answers, built on first use: later queries copy bytes.
    private readonly byte[]?[] _wire = new byte[]?[5];

    /// <summary>
    /// <paramref name="answers"/> (one of this entry's record arrays) in wire format with the owner as a pointer to the
    /// question's name, cached per array; null when a record cannot be encoded.
    /// </summary>
    public byte[]? WireAnswers(DnsRecordBase[] answers)
    {
        var slot = ReferenceEquals(answers, A) ? 0
            : ReferenceEquals(answers, Aaaa) ? 1
            : ReferenceEquals(answers, Srv) ? 2
            : ReferenceEquals(answers, Ptr) ? 3
            : answers.Length == 1 && ReferenceEquals(answers[0], Cname) ? 4
            : -1;
        if (slot >= 0 && Volatile.Read(ref _wire[slot]) is { } cached)
        {
            return cached;
        }

        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(65536);
        try
        {
            var length = 0;
            foreach (var record in answers)
            {
                var written = DnsWire.WriteRecord(record, ownerIsQuestion: true, buffer.AsSpan(length));
                if (written < 0)
                {
                    return null;
                }

                length += written;
            }

            var wire = buffer.AsSpan(0, length).ToArray();
            if (slot >= 0)
            {
                Volatile.Write(ref _wire[slot], wire);
            }

            return wire;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

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
