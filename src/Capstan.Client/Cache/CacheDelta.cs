using System.Text.Json.Nodes;

namespace Capstan.Client.Cache;

/// <summary>What a relist changed in an <see cref="IndexedCache"/>.</summary>
public sealed record CacheDelta(
    IReadOnlyList<JsonObject> Added,
    IReadOnlyList<(JsonObject Old, JsonObject New)> Updated,
    IReadOnlyList<JsonObject> Deleted);
