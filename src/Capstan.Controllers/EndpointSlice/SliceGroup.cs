using System.Text.Json.Nodes;

namespace Capstan.Controllers.EndpointSlice;

/// <summary>Endpoints that belong in slices of one address type and one port set; each endpoint has a stable key (its pod, or its address).</summary>
internal sealed record SliceGroup(string AddressType, JsonArray Ports, IReadOnlyList<KeyValuePair<string, JsonObject>> Endpoints)
{
    /// <summary>The identity of a group: slices are only ever reused for the same address type and exactly the same ports.</summary>
    public string Key => SliceGroupKey.Of(AddressType, Ports);
}
