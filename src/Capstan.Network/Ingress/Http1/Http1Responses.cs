using System.Collections.Frozen;
using System.Text;

namespace Capstan.Network.Ingress.Http1;

/// <summary>The answers the forwarder gives itself, with empty bodies as the YARP path gives them.</summary>
internal static class Http1Responses
{
    private static readonly FrozenDictionary<int, string> s_reasons = new Dictionary<int, string>
    {
        [400] = "Bad Request",
        [404] = "Not Found",
        [431] = "Request Header Fields Too Large",
        [502] = "Bad Gateway",
        [503] = "Service Unavailable",
        [504] = "Gateway Timeout",
    }.ToFrozenDictionary();

    private static readonly FrozenDictionary<int, byte[]> s_keepAlive = s_reasons.ToFrozenDictionary(r => r.Key, r => Build(r.Key, r.Value, close: false));
    private static readonly FrozenDictionary<int, byte[]> s_close = s_reasons.ToFrozenDictionary(r => r.Key, r => Build(r.Key, r.Value, close: true));

    public static ReadOnlySpan<byte> For(int statusCode, bool close) => (close ? s_close : s_keepAlive)[statusCode];

    private static byte[] Build(int code, string reason, bool close) =>
        Encoding.ASCII.GetBytes($"HTTP/1.1 {code} {reason}\r\nContent-Length: 0\r\n{(close ? "Connection: close\r\n" : "")}\r\n");
}
