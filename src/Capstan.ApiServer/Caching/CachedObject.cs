namespace Capstan.ApiServer.Caching;

/// <summary>One object as the API serves it: its JSON with metadata.resourceVersion set, and what filters need without parsing it again.</summary>
public sealed record CachedObject(
    string Key,
    long Revision,
    byte[] Json,
    string Namespace,
    string Name,
    IReadOnlyDictionary<string, string> Labels);

public enum CacheEventType { Added, Modified, Deleted }

/// <summary>A change as a watch delivers it; for Deleted, <see cref="Object"/> is the last state with the delete's revision.</summary>
public sealed record CacheEvent(CacheEventType Type, CachedObject Object, long Revision);
