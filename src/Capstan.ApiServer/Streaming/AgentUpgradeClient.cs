using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Capstan.ApiServer.Streaming;

/// <summary>
/// Opens an upgraded connection (WebSocket, or SPDY/3.1 for port-forward) to a node agent with a hand-written
/// HTTP/1.1 handshake over TLS (client certificate presented, server certificate not verified). ClientWebSocket would
/// not do: it refuses subprotocols that are not RFC tokens (kubectl's port-forward tunnel asks for
/// <c>SPDY/3.1+portforward.k8s.io</c>), and it drops the body of a refusal, which carries the agent's Status.
/// </summary>
internal static class AgentUpgradeClient
{
    private const int MaxHead = 16 * 1024;
    private const int MaxErrorBody = 64 * 1024;

    /// <summary>The upgraded stream and the agent's 101 headers, or the agent's refusal (status code and body).</summary>
    public sealed record Upgrade(Stream? Stream, int StatusCode, IReadOnlyDictionary<string, string> Headers, string Body);

    /// <summary>Either the open socket and the subprotocol the agent chose, or the agent's refusal.</summary>
    public sealed record WebSocketOutcome(WebSocket? Socket, string? Protocol, int StatusCode, string Body);

    public static async Task<WebSocketOutcome> ConnectWebSocketAsync(Uri target, X509Certificate2 clientCertificate, IReadOnlyList<string> protocols, CancellationToken ct)
    {
        var headers = new List<KeyValuePair<string, string>>
        {
            new("Upgrade", "websocket"),
            new("Connection", "Upgrade"),
            new("Sec-WebSocket-Version", "13"),
            new("Sec-WebSocket-Key", Convert.ToBase64String(RandomNumberGenerator.GetBytes(16))),
        };
        if (protocols.Count > 0)
        {
            headers.Add(new("Sec-WebSocket-Protocol", string.Join(", ", protocols)));
        }

        var upgrade = await UpgradeAsync(target, clientCertificate, "GET", headers, ct).ConfigureAwait(false);
        if (upgrade.Stream is null)
        {
            return new WebSocketOutcome(null, null, upgrade.StatusCode, upgrade.Body);
        }

        upgrade.Headers.TryGetValue("Sec-WebSocket-Protocol", out var chosen);
        var socket = WebSocket.CreateFromStream(upgrade.Stream, new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = TimeSpan.FromSeconds(30) });
        return new WebSocketOutcome(socket, string.IsNullOrEmpty(chosen) ? null : chosen, 101, "");
    }

    public static async Task<Upgrade> UpgradeAsync(Uri target, X509Certificate2 clientCertificate, string method, IReadOnlyList<KeyValuePair<string, string>> headers, CancellationToken ct)
    {
        var tcp = new TcpClient { NoDelay = true };
        SslStream? tls = null;
        try
        {
            await tcp.ConnectAsync(target.Host.Trim('[', ']'), target.Port, ct).ConfigureAwait(false);
            tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = target.IdnHost,
                ClientCertificates = [clientCertificate],
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
                ApplicationProtocols = [SslApplicationProtocol.Http11],
            }, ct).ConfigureAwait(false);

            var request = new StringBuilder()
                .Append(method).Append(' ').Append(target.PathAndQuery).Append(" HTTP/1.1\r\n")
                .Append("Host: ").Append(target.Authority).Append("\r\n");
            foreach (var (name, value) in headers)
            {
                request.Append(name).Append(": ").Append(value).Append("\r\n");
            }

            request.Append("Content-Length: 0\r\n\r\n");
            await tls.WriteAsync(Encoding.ASCII.GetBytes(request.ToString()), ct).ConfigureAwait(false);

            var (status, responseHeaders) = await ReadHeadAsync(tls, ct).ConfigureAwait(false);
            if (status != 101)
            {
                var body = await ReadBodyAsync(tls, responseHeaders, ct).ConfigureAwait(false);
                tls.Dispose();
                tcp.Dispose();
                return new Upgrade(null, status, responseHeaders, body);
            }

            return new Upgrade(tls, 101, responseHeaders, "");
        }
        catch
        {
            tls?.Dispose();
            tcp.Dispose();
            throw;
        }
    }

    /// <summary>Reads the response head byte by byte, so nothing of the upgraded stream that follows is consumed.</summary>
    private static async Task<(int Status, Dictionary<string, string> Headers)> ReadHeadAsync(Stream stream, CancellationToken ct)
    {
        var head = new List<byte>(512);
        var one = new byte[1];
        while (head.Count < 4 || head[^4] != '\r' || head[^3] != '\n' || head[^2] != '\r' || head[^1] != '\n')
        {
            if (head.Count > MaxHead || await stream.ReadAsync(one, ct).ConfigureAwait(false) == 0)
            {
                throw new IOException("the agent closed the connection during the upgrade handshake");
            }

            head.Add(one[0]);
        }

        var lines = Encoding.ASCII.GetString([.. head]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var parts = lines[0].Split(' ', 3);
        if (parts.Length < 2 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var status))
        {
            throw new IOException("malformed response from the agent: " + lines[0]);
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
        }

        return (status, headers);
    }

    private static async Task<string> ReadBodyAsync(Stream stream, Dictionary<string, string> headers, CancellationToken ct)
    {
        if (!headers.TryGetValue("content-length", out var lengthText) || !int.TryParse(lengthText, NumberStyles.None, CultureInfo.InvariantCulture, out var length))
        {
            return "";
        }

        var body = new byte[Math.Min(length, MaxErrorBody)];
        var read = await stream.ReadAtLeastAsync(body, body.Length, throwOnEndOfStream: false, ct).ConfigureAwait(false);
        return Encoding.UTF8.GetString(body, 0, read);
    }
}
