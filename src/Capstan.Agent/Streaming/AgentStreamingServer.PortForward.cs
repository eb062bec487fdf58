using System.Net;
using System.Net.Sockets;
using Capstan.Agent.Streaming.Spdy;
using Microsoft.AspNetCore.Http;

namespace Capstan.Agent.Streaming;

public sealed partial class AgentStreamingServer
{
    /// <summary>
    /// Port-forward as kubectl 1.31+ does it: SPDY/3.1 tunnelled through a WebSocket (subprotocol
    /// <c>SPDY/3.1+portforward.k8s.io</c>); connections go to the pod's IP.
    /// </summary>
    private async Task PortForwardAsync(HttpContext http, string ns, string pod, CancellationToken ct)
    {
        var podIp = _pods.PodIp(ns, pod);
        if (podIp is null || !IPAddress.TryParse(podIp, out var address))
        {
            await WriteStatusAsync(http, ExecStatus.Failure(404, "NotFound", $"pod \"{pod}\" in namespace \"{ns}\" is not running on this node")).ConfigureAwait(false);
            return;
        }

        var requested = http.WebSockets.WebSocketRequestedProtocols
            .SelectMany(p => p.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        if (!http.WebSockets.IsWebSocketRequest || !requested.Contains(PortForwardSession.TunnelProtocol, StringComparer.Ordinal))
        {
            await WriteStatusAsync(http, ExecStatus.Failure(400, "BadRequest",
                $"Upgrade request required: port-forward is served as a WebSocket with subprotocol {PortForwardSession.TunnelProtocol}")).ConfigureAwait(false);
            return;
        }

        using var socket = await WebSocketAccept.AcceptAsync(http, PortForwardSession.TunnelProtocol).ConfigureAwait(false);
        if (socket is null)
        {
            await WriteStatusAsync(http, ExecStatus.Failure(400, "BadRequest", "malformed WebSocket upgrade")).ConfigureAwait(false);
            return;
        }

        LogSession("port-forward", ns, pod, "", PortForwardSession.TunnelProtocol);
        using var connection = new SpdyConnection(new WebSocketStream(socket));
        var session = new PortForwardSession(connection, async (port, token) =>
        {
            var client = new TcpClient(address.AddressFamily) { NoDelay = true };
            try
            {
                await client.ConnectAsync(address, port, token).ConfigureAwait(false);
                return client.GetStream();
            }
            catch
            {
                client.Dispose();
                throw;
            }
        }, $"pod {ns}/{pod}");
        try
        {
            await session.RunAsync(ct).ConfigureAwait(false);
        }
        catch (InvalidDataException ex)
        {
            LogAborted(http.Request.Path.Value ?? "", ex.Message);
        }
    }
}
