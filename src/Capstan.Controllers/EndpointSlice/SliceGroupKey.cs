using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Controllers.EndpointSlice;

/// <summary>How slices and desired endpoints are matched up: address type plus the port set, independent of port order and absent-versus-empty names.</summary>
internal static class SliceGroupKey
{
    public static string Of(string addressType, JsonArray? ports) =>
        addressType + "|" + string.Join(",", (ports ?? []).OfType<JsonObject>()
            .Select(p => $"{p.StrOrEmpty("name")}/{p.Long("port")}/{p.Str("protocol") ?? "TCP"}/{p.StrOrEmpty("appProtocol")}")
            .Order(StringComparer.Ordinal));

    public static string Of(JsonObject slice) => Of(slice.StrOrEmpty("addressType"), slice["ports"] as JsonArray);

    /// <summary>The key of an endpoint inside its group: its pod when it has one, else its first address.</summary>
    public static string EndpointKey(JsonObject endpoint) =>
        endpoint["targetRef"]?["uid"] is JsonValue uid && uid.GetValue<string>() is { Length: > 0 } u
            ? "pod:" + u
            : "ip:" + ((endpoint["addresses"] as JsonArray)?.FirstOrDefault()?.GetValue<string>() ?? "");
}
