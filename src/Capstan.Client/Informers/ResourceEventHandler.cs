using System.Text.Json.Nodes;

namespace Capstan.Client.Informers;

/// <summary>
/// Callbacks an informer runs for each change it applies to its cache. They run on the informer's loop and must be
/// quick: enqueue a key and return. OnDelete gets the last state the informer knew.
/// </summary>
public sealed class ResourceEventHandler
{
    public Action<JsonObject>? OnAdd { get; init; }

    public Action<JsonObject, JsonObject>? OnUpdate { get; init; }

    public Action<JsonObject>? OnDelete { get; init; }
}
