using System.Globalization;
using System.Text.Json.Nodes;
using Capstan.ApiServer.Http;
using Capstan.ApiServer.Objects;

namespace Capstan.ApiServer.Streaming;

/// <summary>Where a node's agent serves streams: its preferred address and <c>status.daemonEndpoints.kubeletEndpoint.Port</c>.</summary>
internal static class NodeAgentAddress
{
    public const int DefaultPort = 10250;

    private static readonly string[] s_preferredTypes = ["InternalIP", "Hostname", "InternalDNS", "ExternalIP", "ExternalDNS"];

    /// <summary>https://host:port of the node's agent.</summary>
    /// <exception cref="ApiException">503 when the node reports no address.</exception>
    public static Uri For(JsonObject node)
    {
        var addresses = (node["status"]?["addresses"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var host = s_preferredTypes
            .Select(type => addresses.FirstOrDefault(a => ObjectMeta.Str(a["type"]) == type))
            .Select(a => a is null ? "" : ObjectMeta.Str(a["address"]))
            .FirstOrDefault(a => a.Length > 0);
        if (host is null)
        {
            throw new ApiException(503, "ServiceUnavailable", $"node \"{ObjectMeta.Name(node)}\" has no address to reach its agent at");
        }

        var port = ObjectMeta.Long(node["status"]?["daemonEndpoints"]?["kubeletEndpoint"]?["Port"]) is { } p and > 0 and < 65536 ? (int)p : DefaultPort;
        var authority = host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host;
        return new Uri($"https://{authority}:{port.ToString(CultureInfo.InvariantCulture)}");
    }
}
