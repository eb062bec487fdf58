using System.Buffers.Binary;
using System.Text;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;

namespace Capstan.Network.Dns;

/// <summary>
/// DNS wire format (RFC 1035) for the records the cluster zone holds: A, AAAA, CNAME, PTR, NS, SRV, TXT and SOA.
/// Writers return the bytes written, or -1 when the destination is too small or the record is of another type.
/// </summary>
public static class DnsWire
{
    public const int HeaderLength = 12;

    /// <summary>A compression pointer to offset 12, where the question's name starts in every message.</summary>
    public const ushort QuestionNamePointer = 0xC00C;

    public static int WriteName(DomainName name, Span<byte> destination)
    {
        var position = 0;
        foreach (var label in name.Labels)
        {
            var length = label.Length;
            if (length is 0 or > 63 || position + 1 + length >= destination.Length)
            {
                return -1;
            }

            destination[position++] = (byte)length;
            if (Encoding.ASCII.GetBytes(label, destination[position..]) != length)
            {
                return -1;
            }

            position += length;
        }

        if (position >= destination.Length)
        {
            return -1;
        }

        destination[position++] = 0;
        return position;
    }

    /// <summary>One resource record; its owner is written as a pointer to the question's name when <paramref name="ownerIsQuestion"/>.</summary>
    public static int WriteRecord(DnsRecordBase record, bool ownerIsQuestion, Span<byte> destination)
    {
        int position;
        if (ownerIsQuestion)
        {
            if (destination.Length < 2)
            {
                return -1;
            }

            BinaryPrimitives.WriteUInt16BigEndian(destination, QuestionNamePointer);
            position = 2;
        }
        else if ((position = WriteName(record.Name, destination)) < 0)
        {
            return -1;
        }

        if (destination.Length < position + 10)
        {
            return -1;
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination[position..], (ushort)record.RecordType);
        BinaryPrimitives.WriteUInt16BigEndian(destination[(position + 2)..], (ushort)record.RecordClass);
        BinaryPrimitives.WriteInt32BigEndian(destination[(position + 4)..], record.TimeToLive);
        var lengthAt = position + 8;
        position += 10;
        var data = destination[position..];
        var written = record switch
        {
            ARecord a => a.Address.TryWriteBytes(data, out var n) && n == 4 ? 4 : -1,
            AaaaRecord aaaa => aaaa.Address.TryWriteBytes(data, out var n) && n == 16 ? 16 : -1,
            CNameRecord cname => WriteName(cname.CanonicalName, data),
            PtrRecord ptr => WriteName(ptr.PointerDomainName, data),
            NsRecord ns => WriteName(ns.NameServer, data),
            SrvRecord srv => WriteSrv(srv, data),
            TxtRecord txt => WriteText(txt.TextData, data),
            SoaRecord soa => WriteSoa(soa, data),
            _ => -1,
        };
        if (written < 0)
        {
            return -1;
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination[lengthAt..], (ushort)written);
        return position + written;
    }

    private static int WriteSrv(SrvRecord srv, Span<byte> destination)
    {
        if (destination.Length < 6)
        {
            return -1;
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination, srv.Priority);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], srv.Weight);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], srv.Port);

        // RFC 2782: the target is not compressed.
        var name = WriteName(srv.Target, destination[6..]);
        return name < 0 ? -1 : 6 + name;
    }

    // Character strings of at most 255 bytes each.
    private static int WriteText(string text, Span<byte> destination)
    {
        var bytes = Encoding.UTF8.GetByteCount(text);
        var chunks = Math.Max(1, (bytes + 254) / 255);
        if (destination.Length < bytes + chunks)
        {
            return -1;
        }

        Span<byte> all = bytes <= 1024 ? stackalloc byte[bytes] : new byte[bytes];
        Encoding.UTF8.GetBytes(text, all);
        var position = 0;
        var offset = 0;
        do
        {
            var length = Math.Min(255, bytes - offset);
            destination[position++] = (byte)length;
            all.Slice(offset, length).CopyTo(destination[position..]);
            position += length;
            offset += length;
        }
        while (offset < bytes);
        return position;
    }

    private static int WriteSoa(SoaRecord soa, Span<byte> destination)
    {
        var master = WriteName(soa.MasterName, destination);
        if (master < 0)
        {
            return -1;
        }

        var responsible = WriteName(soa.ResponsibleName, destination[master..]);
        var position = master + responsible;
        if (responsible < 0 || destination.Length < position + 20)
        {
            return -1;
        }

        BinaryPrimitives.WriteUInt32BigEndian(destination[position..], soa.SerialNumber);
        BinaryPrimitives.WriteInt32BigEndian(destination[(position + 4)..], soa.RefreshInterval);
        BinaryPrimitives.WriteInt32BigEndian(destination[(position + 8)..], soa.RetryInterval);
        BinaryPrimitives.WriteInt32BigEndian(destination[(position + 12)..], soa.ExpireInterval);
        BinaryPrimitives.WriteInt32BigEndian(destination[(position + 16)..], soa.NegativeCachingTTL);
        return position + 20;
    }
}
