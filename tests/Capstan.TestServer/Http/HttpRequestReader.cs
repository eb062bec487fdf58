using System.Net;

namespace Capstan.TestServer.Http;

/// <summary>Reads successive requests from one connection, keeping bytes that arrived past the end of a request.</summary>
internal sealed class HttpRequestReader(Stream stream, EndPoint? remote, EndPoint? local)
{
    public const int MaxHeadBytes = 64 * 1024;
    public const int MaxBodyBytes = 1024 * 1024;

    private static ReadOnlySpan<byte> HeadEnd => "\r\n\r\n"u8;

    private byte[] _buffer = new byte[4096];
    private int _start;
    private int _end;

    /// <summary>The next request, or null if the client closed the connection between requests.</summary>
    public async ValueTask<HttpRequest?> ReadAsync(CancellationToken cancellationToken)
    {
        int headLength;
        while ((headLength = _buffer.AsSpan(_start, _end - _start).IndexOf(HeadEnd)) < 0)
        {
            if (_end - _start > MaxHeadBytes)
            {
                throw new HttpParseException(431, "request head too large");
            }

            if (!await FillAsync(cancellationToken))
            {
                return _end == _start ? null : throw new HttpParseException(400, "connection closed inside a request");
            }
        }

        var head = _buffer.AsSpan(_start, headLength);
        var bodyLength = HttpRequestParser.ContentLength(head, MaxBodyBytes);
        var bodyStart = _start + headLength + HeadEnd.Length;
        if (_end - bodyStart < bodyLength && HttpRequestParser.ExpectsContinue(head))
        {
            // curl sends "Expect: 100-continue" with larger bodies and would otherwise wait a second before sending it.
            await stream.WriteAsync("HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
        }

        while (_end - bodyStart < bodyLength)
        {
            var consumed = bodyStart - _start;
            if (!await FillAsync(cancellationToken))
            {
                throw new HttpParseException(400, "connection closed inside a request body");
            }

            bodyStart = _start + consumed;
        }

        var body = _buffer.AsSpan(bodyStart, bodyLength).ToArray();
        var request = HttpRequestParser.Parse(_buffer.AsSpan(_start, headLength), body, remote, local);
        _start = bodyStart + bodyLength;
        return request;
    }

    /// <summary>Reads more bytes after <see cref="_end"/>, moving or growing the buffer first; false at end of stream.</summary>
    private async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_end == _buffer.Length)
        {
            var pending = _end - _start;
            var target = pending * 2 > _buffer.Length ? new byte[_buffer.Length * 2] : _buffer;
            Buffer.BlockCopy(_buffer, _start, target, 0, pending);
            (_buffer, _start, _end) = (target, 0, pending);
        }

        var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        _end += read;
        return read > 0;
    }
}
