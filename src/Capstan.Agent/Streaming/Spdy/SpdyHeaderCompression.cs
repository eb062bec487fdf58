using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Capstan.Agent.Streaming.Spdy;

/// <summary>
/// SPDY/3 header blocks: a count, then length-prefixed names and values (big-endian int32 lengths), inside one zlib
/// stream per direction primed with <see cref="SpdyDictionary"/>. .NET's zlib has no preset dictionary, so the
/// inflater is primed by feeding it a stored block holding the dictionary ahead of the peer's deflate data (same
/// window contents, so the peer's back-references into the dictionary resolve); our own blocks are stored
/// (uncompressed) deflate blocks followed by an empty one (a sync flush), which need no dictionary and which every inflater reads.
/// </summary>
internal sealed class SpdyHeaderCompression : IDisposable
{
    private readonly FeedStream _feed = new();
    private readonly DeflateStream _inflater;
    private bool _inflateStarted;
    private bool _deflateStarted;

    public SpdyHeaderCompression()
    {
        _inflater = new DeflateStream(_feed, CompressionMode.Decompress, leaveOpen: true);
    }

    /// <summary>Decodes one received header block (names as sent: SPDY/3 requires lower case).</summary>
    /// <exception cref="InvalidDataException">The block is malformed.</exception>
    public List<KeyValuePair<string, string>> Decode(ReadOnlySpan<byte> block)
    {
        if (!_inflateStarted)
        {
            // zlib header: CMF, FLG, and with FDICT (0x20) the dictionary's Adler-32.
            if (block.Length < 2 || (block[0] & 0x0F) != 8)
            {
                throw new InvalidDataException("header block is not a zlib stream");
            }

            var skip = (block[1] & 0x20) != 0 ? 6 : 2;
            var dictionary = SpdyDictionary.Bytes;
            var stored = new byte[5 + dictionary.Length];
            stored[0] = 0x00;
            BinaryPrimitives.WriteUInt16LittleEndian(stored.AsSpan(1), (ushort)dictionary.Length);
            BinaryPrimitives.WriteUInt16LittleEndian(stored.AsSpan(3), (ushort)~dictionary.Length);
            dictionary.CopyTo(stored.AsSpan(5));
            _feed.Add(stored);
            _feed.Add(block[Math.Min(skip, block.Length)..]);
            ReadExactly(dictionary.Length);
            _inflateStarted = true;
        }
        else
        {
            _feed.Add(block);
        }

        var count = ReadInt32();
        if (count < 0 || count > 1024)
        {
            throw new InvalidDataException($"header block with {count} entries");
        }

        var headers = new List<KeyValuePair<string, string>>(count);
        for (var i = 0; i < count; i++)
        {
            var name = ReadString();
            var value = ReadString();
            headers.Add(new(name, value));
        }

        return headers;
    }

    /// <summary>Encodes a header block to send.</summary>
    public byte[] Encode(IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        var raw = new MemoryStream();
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, headers.Count);
        raw.Write(length);
        foreach (var (name, value) in headers)
        {
            foreach (var text in new[] { name.ToLowerInvariant(), value })
            {
                var bytes = Encoding.UTF8.GetBytes(text);
                BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
                raw.Write(length);
                raw.Write(bytes);
            }
        }

        var payload = raw.ToArray();
        var output = new MemoryStream();
        if (!_deflateStarted)
        {
            // CMF 0x78 (deflate, 32K window), FLG 0x01 (no dictionary; 0x7801 is a multiple of 31).
            output.WriteByte(0x78);
            output.WriteByte(0x01);
            _deflateStarted = true;
        }

        // Stored blocks hold at most 65535 bytes; BFINAL stays 0 as the stream goes on with the next block.
        var offset = 0;
        Span<byte> header = stackalloc byte[5];
        do
        {
            var chunk = Math.Min(payload.Length - offset, ushort.MaxValue);
            header[0] = 0x00;
            BinaryPrimitives.WriteUInt16LittleEndian(header[1..], (ushort)chunk);
            BinaryPrimitives.WriteUInt16LittleEndian(header[3..], (ushort)~chunk);
            output.Write(header);
            output.Write(payload, offset, chunk);
            offset += chunk;
        }
        while (offset < payload.Length);

        // An empty stored block ends every header block, as a zlib sync flush does: Go's inflater delivers a stored
        // block's data only once it has read the next block's header, and a read past the frame's end would be an
        // error it keeps for the rest of the connection.
        output.Write([0x00, 0x00, 0x00, 0xFF, 0xFF]);
        return output.ToArray();
    }

    public void Dispose()
    {
        _inflater.Dispose();
        _feed.Dispose();
    }

    private int ReadInt32()
    {
        Span<byte> bytes = stackalloc byte[4];
        ReadExactly(bytes);
        return BinaryPrimitives.ReadInt32BigEndian(bytes);
    }

    private string ReadString()
    {
        var length = ReadInt32();
        if (length < 0 || length > 1 << 20)
        {
            throw new InvalidDataException($"header string of {length} bytes");
        }

        var bytes = new byte[length];
        ReadExactly(bytes);
        return Encoding.UTF8.GetString(bytes);
    }

    private void ReadExactly(int count)
    {
        var discard = new byte[count];
        ReadExactly(discard);
    }

    private void ReadExactly(Span<byte> destination)
    {
        while (destination.Length > 0)
        {
            var read = _inflater.Read(destination);
            if (read == 0)
            {
                throw new InvalidDataException("header block ended early");
            }

            destination = destination[read..];
        }
    }

    /// <summary>The compressed bytes received so far; reads never block (an empty feed reads as 0 bytes).</summary>
    private sealed class FeedStream : Stream
    {
        private readonly Queue<byte[]> _chunks = new();
        private int _offset;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public void Add(ReadOnlySpan<byte> bytes)
        {
            if (bytes.Length > 0)
            {
                _chunks.Enqueue(bytes.ToArray());
            }
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var total = 0;
            while (buffer.Length > 0 && _chunks.Count > 0)
            {
                var chunk = _chunks.Peek();
                var n = Math.Min(buffer.Length, chunk.Length - _offset);
                chunk.AsSpan(_offset, n).CopyTo(buffer);
                buffer = buffer[n..];
                total += n;
                _offset += n;
                if (_offset == chunk.Length)
                {
                    _chunks.Dequeue();
                    _offset = 0;
                }
            }

            return total;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
