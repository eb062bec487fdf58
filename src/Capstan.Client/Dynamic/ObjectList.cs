using System.Text.Json.Nodes;

namespace Capstan.Client.Dynamic;

/// <summary>The items of a (fully paged) list and the resourceVersion to watch from.</summary>
public sealed record ObjectList(IReadOnlyList<JsonObject> Items, string ResourceVersion);
