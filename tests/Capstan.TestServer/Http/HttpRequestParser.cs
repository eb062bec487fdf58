using System.Net;
using System.Text;

namespace Capstan.TestServer.Http;

/// <summary>Parses the head of an HTTP/1.x request: the request line and the header fields (RFC 9112 section 3 and 5).</summary>
internal static class HttpRequestParser
{
    /// <param name="head">The bytes before the blank line that ends the head, without it.</param>
    /// <param name="body">The body, already read using <see cref="ContentLength"/>.</param>
    public static HttpRequest Parse(ReadOnlySpan<byte> head, byte[] body, EndPoint? remote, EndPoint? local)
    {
        // Latin-1 keeps every byte as one char, so a stray non-ASCII byte cannot make the parse fail.
        var text = Encoding.Latin1.GetString(head);
        var lines = text.Split("\r\n");
        var requestLine = lines[0].Split(' ');
        if (requestLine.Length != 3 || requestLine[0].Length == 0 || requestLine[1].Length == 0)
        {
            throw new HttpParseException(400, "malformed request line");
        }

        var (method, target, version) = (requestLine[0], requestLine[1], requestLine[2]);
        if (version is not ("HTTP/1.1" or "HTTP/1.0"))
        {
            throw new HttpParseException(505, $"unsupported version '{version}'");
        }

        var headers = new List<KeyValuePair<string, string>>(lines.Length - 1);
        for (var i = 1; i < lines.Length; i++)
        {
            var colon = lines[i].IndexOf(':');
            if (colon <= 0)
            {
                throw new HttpParseException(400, "malformed header field");
            }

            headers.Add(new(lines[i][..colon], lines[i][(colon + 1)..].Trim()));
        }

        // An absolute-form target ("http://host/path") is reduced to its path.
        if (target.StartsWith("http://", StringComparison.OrdinalIgnoreCase) && Uri.TryCreate(target, UriKind.Absolute, out var uri))
        {
            target = uri.PathAndQuery;
        }

        var question = target.IndexOf('?');
        return new HttpRequest
        {
            Method = method,
            Path = question < 0 ? target : target[..question],
            Query = question < 0 ? "" : target[(question + 1)..],
            Version = version,
            Headers = headers,
            Body = body,
            RemoteEndPoint = remote,
            LocalEndPoint = local,
        };
    }

    /// <summary>Whether the head carries "Expect: 100-continue" (RFC 9110 section 10.1.1).</summary>
    public static bool ExpectsContinue(ReadOnlySpan<byte> head)
    {
        foreach (var line in Encoding.Latin1.GetString(head).Split("\r\n"))
        {
            if (line.StartsWith("Expect:", StringComparison.OrdinalIgnoreCase)
                && line.AsSpan("Expect:".Length).Trim().Equals("100-continue", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The Content-Length of a request head, 0 without one.</summary>
    public static int ContentLength(ReadOnlySpan<byte> head, int max)
    {
        var text = Encoding.Latin1.GetString(head);
        foreach (var line in text.Split("\r\n"))
        {
            if (line.StartsWith("Transfer-Encoding:", StringComparison.OrdinalIgnoreCase))
            {
                throw new HttpParseException(501, "chunked request bodies are not supported");
            }

            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            {
                if (!int.TryParse(line.AsSpan("Content-Length:".Length).Trim(), out var length) || length < 0)
                {
                    throw new HttpParseException(400, "malformed Content-Length");
                }

                return length <= max ? length : throw new HttpParseException(413, $"body over {max} bytes");
            }
        }

        return 0;
    }
}
