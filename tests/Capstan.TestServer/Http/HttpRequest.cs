using System.Net;

namespace Capstan.TestServer.Http;

/// <summary>One parsed HTTP/1.x request. Header names keep their case as sent; look-ups ignore case.</summary>
internal sealed class HttpRequest
{
    public required string Method { get; init; }

    /// <summary>The path part of the request target, not decoded ("/echo").</summary>
    public required string Path { get; init; }

    /// <summary>The query string without its '?', not decoded; empty if none.</summary>
    public string Query { get; init; } = "";

    /// <summary>"HTTP/1.1" or "HTTP/1.0".</summary>
    public required string Version { get; init; }

    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    public byte[] Body { get; init; } = [];

    public EndPoint? RemoteEndPoint { get; init; }

    public EndPoint? LocalEndPoint { get; init; }

    /// <summary>Whether the client lets the connection stay open after the response (the HTTP/1.1 default).</summary>
    public bool KeepAlive
    {
        get
        {
            var connection = Header("Connection");
            if (connection is not null && connection.Contains("close", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            return Version == "HTTP/1.1"
                || (connection is not null && connection.Contains("keep-alive", StringComparison.OrdinalIgnoreCase));
        }
    }

    public string? Header(string name)
    {
        foreach (var header in Headers)
        {
            if (string.Equals(header.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                return header.Value;
            }
        }

        return null;
    }

    /// <summary>The decoded value of the first query parameter <paramref name="name"/>, or null.</summary>
    public string? QueryParameter(string name) => QueryString.Get(Query, name);
}
