using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Capstan.ApiServer.Streaming;

/// <summary>
/// Completes a client's WebSocket handshake by hand, answering with the subprotocol the agent chose. ASP.NET's
/// AcceptWebSocketAsync rejects subprotocols that are not RFC tokens, such as <c>SPDY/3.1+portforward.k8s.io</c>.
/// </summary>
internal static class WebSocketAccept
{
    private const string Guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    public static bool IsWebSocketRequest(HttpContext http) =>
        http.Features.Get<IHttpUpgradeFeature>()?.IsUpgradableRequest == true
        && http.Request.Headers.Upgrade.ToString().Contains("websocket", StringComparison.OrdinalIgnoreCase)
        && http.Request.Headers["Sec-WebSocket-Key"].ToString().Length > 0;

    /// <summary>The subprotocols the client offered, in its order.</summary>
    public static List<string> RequestedProtocols(HttpContext http) =>
        http.Request.Headers["Sec-WebSocket-Protocol"]
            .SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            .ToList();

    public static async Task<WebSocket> AcceptAsync(HttpContext http, string? subProtocol)
    {
        var upgrade = http.Features.Get<IHttpUpgradeFeature>() ?? throw new InvalidOperationException("not an upgradable request");
        var key = http.Request.Headers["Sec-WebSocket-Key"].ToString().Trim();
        http.Response.StatusCode = StatusCodes.Status101SwitchingProtocols;
        http.Response.Headers.Connection = "Upgrade";
        http.Response.Headers.Upgrade = "websocket";
        http.Response.Headers["Sec-WebSocket-Accept"] = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + Guid)));
        if (!string.IsNullOrEmpty(subProtocol))
        {
            http.Response.Headers.SecWebSocketProtocol = subProtocol;
        }

        var stream = await upgrade.UpgradeAsync().ConfigureAwait(false);
        return WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.FromSeconds(30) });
    }
}
