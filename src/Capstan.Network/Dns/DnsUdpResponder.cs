using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using ARSoft.Tools.Net.Dns;
using Microsoft.Extensions.Logging;

namespace Capstan.Network.Dns;

/// <summary>
/// The UDP side of the cluster DNS, built for throughput: a few threads block on one socket, read the question straight
/// from the datagram, look it up in the <see cref="DnsRecordIndex"/> and copy the entry's cached wire-format answer into
/// a reused buffer, with no allocation per query. Whatever this path does not handle (names to forward, ExternalName
/// chasing, other opcodes or classes, TSIG) is relayed unchanged to the server's own TCP listener (ARSoft's
/// DnsServer), whose answer goes back over UDP, truncated if it does not fit.
/// </summary>
public sealed class DnsUdpResponder : IDisposable
{
    private const int MaxQuery = 4096;
    private const int MaxResponse = 4096;
    private const ushort OptType = 41;
    private const ushort OurUdpSize = 1232;

    private readonly ClusterDnsResolver _resolver;
    private readonly Socket _socket;
    private readonly IPEndPoint _relayTo;
    private readonly ILogger _logger;
    private readonly byte[] _soa;
    private readonly List<Thread> _threads = [];
    private volatile bool _stopping;

    public DnsUdpResponder(ClusterDnsResolver resolver, IPEndPoint listen, IPEndPoint relayTo, ILogger logger)
    {
        _resolver = resolver;
        _relayTo = relayTo;
        _logger = logger;
        var soa = new byte[512];
        _soa = soa.AsSpan(0, DnsWire.WriteRecord(resolver.Index.Soa, ownerIsQuestion: false, soa)).ToArray();
        _socket = new Socket(listen.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _socket.ReceiveBufferSize = 4 << 20;
        _socket.SendBufferSize = 4 << 20;
        _socket.Bind(listen);
    }

    public void Start(int threads)
    {
        for (var i = 0; i < threads; i++)
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = "cluster-dns-udp-" + i };
            _threads.Add(thread);
            thread.Start();
        }
    }

    /// <summary>
    /// Answers one query datagram into <paramref name="response"/>: the response length; 0 when the query needs the
    /// full server (relay it); -1 when it is no query at all (drop it). <paramref name="questionEnd"/> and
    /// <paramref name="maxUdp"/> describe the query for truncating a relayed answer.
    /// </summary>
    public int TryAnswer(ReadOnlySpan<byte> query, Span<byte> response, out int questionEnd, out int maxUdp)
    {
        questionEnd = 0;
        maxUdp = 512;
        if (query.Length < DnsWire.HeaderLength + 5 || (query[2] & 0x80) != 0)
        {
            return -1;
        }

        var opcode = (query[2] >> 3) & 0xf;
        var questions = BinaryPrimitives.ReadUInt16BigEndian(query[4..]);
        var additional = BinaryPrimitives.ReadUInt16BigEndian(query[10..]);
        if (opcode != 0 || questions != 1 || BinaryPrimitives.ReadUInt32BigEndian(query[6..]) != 0 || additional > 1)
        {
            return 0;
        }

        // The name, as text for the index: labels joined by dots. Escapes and compression are left to the full server.
        Span<char> name = stackalloc char[256];
        var nameLength = 0;
        var position = DnsWire.HeaderLength;
        while (true)
        {
            if (position >= query.Length)
            {
                return -1;
            }

            int label = query[position++];
            if (label == 0)
            {
                break;
            }

            if (label > 63 || position + label > query.Length || nameLength + label + 1 > name.Length)
            {
                return 0;
            }

            if (nameLength > 0)
            {
                name[nameLength++] = '.';
            }

            foreach (var b in query.Slice(position, label))
            {
                if (b is <= 0x20 or >= 0x7f or (byte)'.')
                {
                    return 0;
                }

                name[nameLength++] = (char)b;
            }

            position += label;
        }

        if (position + 4 > query.Length)
        {
            return -1;
        }

        var type = (RecordType)BinaryPrimitives.ReadUInt16BigEndian(query[position..]);
        var recordClass = BinaryPrimitives.ReadUInt16BigEndian(query[(position + 2)..]);
        questionEnd = position + 4;
        var edns = false;
        if (additional == 1)
        {
            // Only a bare OPT record (RFC 6891): root owner, type 41, the client's UDP size in the class field.
            if (questionEnd + 11 > query.Length || query[questionEnd] != 0 || BinaryPrimitives.ReadUInt16BigEndian(query[(questionEnd + 1)..]) != OptType)
            {
                return 0;
            }

            edns = true;
            maxUdp = Math.Clamp((int)BinaryPrimitives.ReadUInt16BigEndian(query[(questionEnd + 3)..]), 512, MaxResponse);
        }

        if (recordClass != 1 || nameLength == 0)
        {
            return 0;
        }

        var lookup = _resolver.Lookup(name[..nameLength], type);
        if (lookup.Kind == DnsLookupKind.Forward
            || (lookup.Kind == DnsLookupKind.Answer && lookup.Answers[0] is CNameRecord && type != RecordType.CName))
        {
            return 0;
        }

        var limit = Math.Min(maxUdp, response.Length);
        var written = Compose(query[..questionEnd], lookup, type, edns, response[..limit]);
        if (written > 0)
        {
            return written;
        }

        // Too big for the client's UDP size: the header and question with TC set send it to TCP.
        return Truncated(query[..questionEnd], response, edns, rcode: 0);
    }

    private int Compose(ReadOnlySpan<byte> question, DnsLookup lookup, RecordType type, bool edns, Span<byte> response)
    {
        question.CopyTo(response);
        var position = question.Length;
        ushort answers = 0, authority = 0, additional = 0;
        var rcode = 0;
        switch (lookup.Kind)
        {
            case DnsLookupKind.Answer:
                var wire = lookup.Entry?.WireAnswers(lookup.Answers);
                if (wire is not null)
                {
                    if (!wire.AsSpan().TryCopyTo(response[position..]))
                    {
                        return -1;
                    }

                    position += wire.Length;
                }
                else
                {
                    foreach (var record in lookup.Answers)
                    {
                        var n = DnsWire.WriteRecord(record, ownerIsQuestion: true, response[position..]);
                        if (n < 0)
                        {
                            return -1;
                        }

                        position += n;
                    }
                }

                answers = (ushort)lookup.Answers.Length;
                if (type == RecordType.Srv)
                {
                    var added = AddSrvTargets(lookup.Answers, response, ref position);
                    if (added < 0)
                    {
                        return -1;
                    }

                    additional += (ushort)added;
                }

                break;
            case DnsLookupKind.NxDomain or DnsLookupKind.NoData:
                rcode = lookup.Kind == DnsLookupKind.NxDomain ? 3 : 0;
                if (!_soa.AsSpan().TryCopyTo(response[position..]))
                {
                    return -1;
                }

                position += _soa.Length;
                authority = 1;
                break;
        }

        if (edns)
        {
            if (!WriteOpt(response[position..]))
            {
                return -1;
            }

            position += 11;
            additional++;
        }

        WriteHeader(question, response, rcode, truncated: false, answers, authority, additional);
        return position;
    }

    // The addresses of SRV targets, which the schema allows in the additional section.
    private int AddSrvTargets(DnsRecordBase[] records, Span<byte> response, ref int position)
    {
        var count = 0;
        Span<char> target = stackalloc char[256];
        foreach (var record in records)
        {
            if (record is not SrvRecord srv)
            {
                continue;
            }

            var length = 0;
            foreach (var label in srv.Target.Labels)
            {
                if (length + label.Length + 1 > target.Length)
                {
                    return -1;
                }

                if (length > 0)
                {
                    target[length++] = '.';
                }

                label.CopyTo(target[length..]);
                length += label.Length;
            }

            if (_resolver.Index.Find(target[..length]) is not { } entry)
            {
                continue;
            }

            foreach (var addresses in (ReadOnlySpan<DnsRecordBase[]>)[entry.A, entry.Aaaa])
            {
                foreach (var address in addresses)
                {
                    var n = DnsWire.WriteRecord(address, ownerIsQuestion: false, response[position..]);
                    if (n < 0)
                    {
                        return -1;
                    }

                    position += n;
                    count++;
                }
            }
        }

        return count;
    }

    private static bool WriteOpt(Span<byte> destination)
    {
        if (destination.Length < 11)
        {
            return false;
        }

        destination[0] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(destination[1..], OptType);
        BinaryPrimitives.WriteUInt16BigEndian(destination[3..], OurUdpSize);
        BinaryPrimitives.WriteUInt32BigEndian(destination[5..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(destination[9..], 0);
        return true;
    }

    // ID and RD from the query; QR, AA and RA set; one question.
    private static void WriteHeader(ReadOnlySpan<byte> query, Span<byte> response, int rcode, bool truncated, ushort answers, ushort authority, ushort additional)
    {
        response[0] = query[0];
        response[1] = query[1];
        response[2] = (byte)(0x80 | 0x04 | (truncated ? 0x02 : 0) | (query[2] & 0x01));
        response[3] = (byte)(0x80 | rcode);
        BinaryPrimitives.WriteUInt16BigEndian(response[4..], 1);
        BinaryPrimitives.WriteUInt16BigEndian(response[6..], answers);
        BinaryPrimitives.WriteUInt16BigEndian(response[8..], authority);
        BinaryPrimitives.WriteUInt16BigEndian(response[10..], additional);
    }

    private static int Truncated(ReadOnlySpan<byte> question, Span<byte> response, bool edns, int rcode)
    {
        question.CopyTo(response);
        var position = question.Length;
        if (edns)
        {
            WriteOpt(response[position..]);
            position += 11;
        }

        WriteHeader(question, response, rcode, truncated: true, 0, 0, (ushort)(edns ? 1 : 0));
        return position;
    }

    private void Loop()
    {
        var query = new byte[MaxQuery];
        var response = new byte[MaxResponse];
        var client = new SocketAddress(_socket.AddressFamily);
        while (!_stopping)
        {
            int received;
            try
            {
                received = _socket.ReceiveFrom(query, SocketFlags.None, client);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                if (_stopping)
                {
                    return;
                }

                continue;
            }

            try
            {
                var length = TryAnswer(query.AsSpan(0, received), response, out var questionEnd, out var maxUdp);
                if (length > 0)
                {
                    _socket.SendTo(response.AsSpan(0, length), SocketFlags.None, client);
                }
                else if (length == 0)
                {
                    var copy = new SocketAddress(client.Family, client.Size);
                    client.Buffer.Span[..client.Size].CopyTo(copy.Buffer.Span);
                    _ = RelayAsync(query.AsSpan(0, received).ToArray(), questionEnd, maxUdp, copy);
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or InvalidOperationException or ArgumentException)
            {
                if (_stopping)
                {
                    return;
                }

                _logger.LogDebug(ex, "cluster DNS: dropped a UDP query");
            }
        }
    }

    // The full server answers over TCP (a two-byte length before each message); its answer goes back over UDP.
    private async Task RelayAsync(byte[] query, int questionEnd, int maxUdp, SocketAddress client)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            using var tcp = new Socket(_relayTo.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await tcp.ConnectAsync(_relayTo, timeout.Token).ConfigureAwait(false);
            var framed = new byte[query.Length + 2];
            BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)query.Length);
            query.CopyTo(framed, 2);
            await tcp.SendAsync(framed, SocketFlags.None, timeout.Token).ConfigureAwait(false);
            var prefix = new byte[2];
            await ReceiveExactlyAsync(tcp, prefix, timeout.Token).ConfigureAwait(false);
            var answer = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
            await ReceiveExactlyAsync(tcp, answer, timeout.Token).ConfigureAwait(false);
            if (answer.Length > maxUdp && questionEnd > 0)
            {
                var truncated = new byte[questionEnd + 11];
                var length = Truncated(query.AsSpan(0, questionEnd), truncated, maxUdp > 512, answer.Length >= 4 ? answer[3] & 0xf : 0);
                answer = truncated[..length];
            }

            await _socket.SendToAsync(answer, SocketFlags.None, client, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The client retries; a relay that failed costs one query.
            _logger.LogDebug(ex, "cluster DNS: relaying a UDP query failed");
        }
    }

    private static async Task ReceiveExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken ct)
    {
        while (buffer.Length > 0)
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, ct).ConfigureAwait(false);
            if (n == 0)
            {
                throw new IOException("the DNS server closed the connection");
            }

            buffer = buffer[n..];
        }
    }

    public void Dispose()
    {
        _stopping = true;
        try
        {
            // Wakes the threads blocked in ReceiveFrom (closing alone may not on Linux).
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }

        _socket.Dispose();
        foreach (var thread in _threads)
        {
            thread.Join(TimeSpan.FromSeconds(2));
        }
    }
}
