using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Capstan.Agent.Streaming.Tests.Fakes;

/// <summary>
/// A WebSocket client handshake by hand over TLS: .NET's ClientWebSocket refuses the subprotocol kubectl's
/// port-forward uses (<c>SPDY/3.1+portforward.k8s.io</c> is not an RFC token).
/// </summary>
public static class RawWebSocketClient
{
    public static async Task<(WebSocket Socket, string? Protocol)> ConnectAsync(int port, string pathAndQuery, X509Certificate2 clientCertificate, string protocol)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "127.0.0.1",
            ClientCertificates = [clientCertificate],
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
            ApplicationProtocols = [SslApplicationProtocol.Http11],
        });
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        var request = $"GET {pathAndQuery} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: {protocol}\r\n\r\n";
        await tls.WriteAsync(Encoding.ASCII.GetBytes(request));
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await tls.ReadAsync(one) == 0)
            {
                throw new IOException("connection closed during the handshake");
            }

            head.Append((char)one[0]);
        }

        var lines = head.ToString().Split("\r\n");
        if (!lines[0].Contains(" 101 ", StringComparison.Ordinal))
        {
            throw new IOException("handshake refused: " + lines[0]);
        }

        var chosen = lines.Select(l => l.Split(':', 2)).Where(p => p.Length == 2 && p[0].Trim().Equals("Sec-WebSocket-Protocol", StringComparison.OrdinalIgnoreCase)).Select(p => p[1].Trim()).FirstOrDefault();
        return (WebSocket.CreateFromStream(tls, new WebSocketCreationOptions { IsServer = false }), chosen);
    }
}
