using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Capstan.Agent.Streaming.Spdy;
using Microsoft.AspNetCore.Http;

namespace Capstan.Agent.Streaming;

public sealed partial class AgentStreamingServer
{
    /// <summary>
    /// Port-forward, to the pod's IP. kubectl 1.31+ tunnels SPDY/3.1 through a WebSocket (subprotocol
    /// <c>SPDY/3.1+portforward.k8s.io</c>); client libraries use the channel protocol (<c>v4.channel.k8s.io</c>) with
    /// the ports in <c>port</c> query parameters.
    /// </summary>
    private async Task PortForwardAsync(HttpContext http, string ns, string pod, CancellationToken ct)
    {
        var podIp = _pods.PodIp(ns, pod);
        if (podIp is null || !IPAddress.TryParse(podIp, out var address))
        {
            await WriteStatusAsync(http, ExecStatus.Failure(404, "NotFound", $"pod \"{pod}\" in namespace \"{ns}\" is not running on this node")).ConfigureAwait(false);
            return;
        }

        if (IsSpdyUpgrade(http))
        {
            await SpdyPortForwardAsync(http, ns, pod, address, ct).ConfigureAwait(false);
            return;
        }

        var requested = http.Request.Headers["Sec-WebSocket-Protocol"]
            .SelectMany(p => (p ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            .ToList();
        if (!http.WebSockets.IsWebSocketRequest)
        {
            await WriteStatusAsync(http, ExecStatus.Failure(400, "BadRequest",
                $"Upgrade request required: port-forward is served as a WebSocket with subprotocol {PortForwardSession.TunnelProtocol} or {ChannelPortForwardSession.Protocol}")).ConfigureAwait(false);
            return;
        }

        Task<Stream> ConnectAsync(int port, CancellationToken token) => ConnectToPodAsync(address, port, token);

        var target = $"pod {ns}/{pod}";
        if (requested.Contains(PortForwardSession.TunnelProtocol, StringComparer.Ordinal))
        {
            using var socket = await WebSocketAccept.AcceptAsync(http, PortForwardSession.TunnelProtocol).ConfigureAwait(false);
            if (socket is null)
            {
                await WriteStatusAsync(http, ExecStatus.Failure(400, "BadRequest", "malformed WebSocket upgrade")).ConfigureAwait(false);
                return;
            }

            LogSession("port-forward", ns, pod, "", PortForwardSession.TunnelProtocol);
            using var connection = new SpdyConnection(new WebSocketStream(socket));
            try
            {
                await new PortForwardSession(connection, ConnectAsync, target).RunAsync(ct).ConfigureAwait(false);
            }
            catch (InvalidDataException ex)
            {
                LogAborted(http.Request.Path.Value ?? "", ex.Message);
            }

            return;
        }

        if (requested.Count > 0 && !requested.Contains(ChannelPortForwardSession.Protocol, StringComparer.Ordinal))
        {
            await WriteStatusAsync(http, ExecStatus.Failure(400, "BadRequest",
                $"none of the requested subprotocols {string.Join(", ", requested)} is supported; use {PortForwardSession.TunnelProtocol} or {ChannelPortForwardSession.Protocol}")).ConfigureAwait(false);
            return;
        }

        var ports = new List<int>();
        foreach (var text in http.Request.Query["port"].SelectMany(p => (p ?? "").Split(',')))
        {
            if (!ushort.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port == 0)
            {
                await WriteStatusAsync(http, ExecStatus.Failure(400, "BadRequest", $"unable to parse \"{text}\" as a port")).ConfigureAwait(false);
                return;
            }

            ports.Add(port);
        }

        if (ports.Count == 0)
        {
            await WriteStatusAsync(http, ExecStatus.Failure(400, "BadRequest", "query parameter \"port\" is required")).ConfigureAwait(false);
            return;
        }

        var protocol = requested.Count == 0 ? null : ChannelPortForwardSession.Protocol;
        using var channelSocket = await http.WebSockets.AcceptWebSocketAsync(protocol).ConfigureAwait(false);
        LogSession("port-forward", ns, pod, "", protocol ?? "channel");
        await new ChannelPortForwardSession(channelSocket, ports, ConnectAsync, target).RunAsync(ct).ConfigureAwait(false);
    }

    /// <summary>The SPDY fallback kubectl uses when the WebSocket upgrade is refused (or KUBECTL_PORT_FORWARD_WEBSOCKETS=false):
    /// <c>Upgrade: SPDY/3.1</c> with <c>X-Stream-Protocol-Version: portforward.k8s.io</c>.</summary>
    private static bool IsSpdyUpgrade(HttpContext http) =>
        http.Request.Headers.Upgrade.ToString().StartsWith("SPDY/3.1", StringComparison.OrdinalIgnoreCase);

    private async Task SpdyPortForwardAsync(HttpContext http, string ns, string pod, IPAddress address, CancellationToken ct)
    {
        var versions = http.Request.Headers["X-Stream-Protocol-Version"].SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries));
        var upgrade = http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpUpgradeFeature>();
        if (!versions.Contains(PortForwardSession.Protocol, StringComparer.Ordinal) || upgrade is not { IsUpgradableRequest: true })
        {
            await WriteStatusAsync(http, ExecStatus.Failure(400, "BadRequest",
                $"unable to upgrade: X-Stream-Protocol-Version must include {PortForwardSession.Protocol}")).ConfigureAwait(false);
            return;
        }

        http.Response.StatusCode = StatusCodes.Status101SwitchingProtocols;
        http.Response.Headers.Connection = "Upgrade";
        http.Response.Headers.Upgrade = "SPDY/3.1";
        http.Response.Headers["X-Stream-Protocol-Version"] = PortForwardSession.Protocol;
        await using var transport = await upgrade.UpgradeAsync().ConfigureAwait(false);
        LogSession("port-forward", ns, pod, "", "SPDY/3.1");
        using var connection = new SpdyConnection(transport);
        try
        {
            await new PortForwardSession(connection, (port, token) => ConnectToPodAsync(address, port, token), $"pod {ns}/{pod}").RunAsync(ct).ConfigureAwait(false);
        }
        catch (InvalidDataException ex)
        {
            LogAborted(http.Request.Path.Value ?? "", ex.Message);
        }
    }

    private static async Task<Stream> ConnectToPodAsync(IPAddress address, int port, CancellationToken ct)
    {
        var client = new TcpClient(address.AddressFamily) { NoDelay = true };
        try
        {
            await client.ConnectAsync(address, port, ct).ConfigureAwait(false);
            return client.GetStream();
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }
}
