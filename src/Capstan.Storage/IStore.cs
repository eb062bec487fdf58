namespace Capstan.Storage;

/// <summary>
/// A key-value store with etcd's contract: every write gets the next global revision,
/// writes carry preconditions, reads can be made at a past revision, watches resume from a revision.
/// Keys look like <c>/registry/&lt;group&gt;/&lt;resource&gt;/&lt;namespace&gt;/&lt;name&gt;</c>.
/// Expected outcomes (a precondition that fails, a key that is absent) are results, not exceptions;
/// <see cref="CompactedException"/> is the one exception callers handle (it maps to 410 Gone).
/// </summary>
public interface IStore : IAsyncDisposable
{
    /// <summary>The revision of the newest durable write (0 for an empty store).</summary>
    long CurrentRevision { get; }

    /// <summary>The oldest revision still readable; reads and watches before it throw <see cref="CompactedException"/>.</summary>
    long CompactedRevision { get; }

    /// <summary>Reads one key at the latest revision; null when absent.</summary>
    Task<KeyValue?> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads the keys that start with <paramref name="prefix"/>, in key order, as they were at <paramref name="revision"/>
    /// (0 = latest). Starts after <paramref name="startAfterKey"/> when it is given; returns at most <paramref name="limit"/> items (0 = all).
    /// </summary>
    Task<RangeResult> RangeAsync(string prefix, long revision = 0, string? startAfterKey = null, int limit = 0, CancellationToken cancellationToken = default);

    /// <summary>Creates <paramref name="key"/> if it is absent. The value is copied unless it is a <see cref="HandedOverValue"/>.</summary>
    Task<WriteResult> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces <paramref name="key"/> if its current mod revision is <paramref name="expectedRevision"/> (0 = any existing value).
    /// The value is copied unless it is a <see cref="HandedOverValue"/>.
    /// </summary>
    Task<WriteResult> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedRevision, CancellationToken cancellationToken = default);

    /// <summary>Deletes <paramref name="key"/> if its current mod revision is <paramref name="expectedRevision"/> (0 = any).</summary>
    Task<WriteResult> DeleteAsync(string key, long expectedRevision = 0, CancellationToken cancellationToken = default);

    /// <summary>
    /// Streams every change to keys under <paramref name="prefix"/> with a revision greater than <paramref name="afterRevision"/>, in revision order,
    /// then live changes until cancelled. Throws <see cref="CompactedException"/> when <paramref name="afterRevision"/> is older than the compacted revision.
    /// </summary>
    IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long afterRevision, CancellationToken cancellationToken = default);

    /// <summary>Removes history superseded at or before <paramref name="revision"/> and reclaims the space it took.</summary>
    Task CompactAsync(long revision, CancellationToken cancellationToken = default);
}

/// <summary>One stored value: <see cref="ModRevision"/> is the revision of the write that made it, <see cref="CreateRevision"/> of the key's creation.</summary>
public sealed record KeyValue(string Key, ReadOnlyMemory<byte> Value, long CreateRevision, long ModRevision);

/// <param name="Items">The keys found, in key order.</param>
/// <param name="Revision">The revision the read was made at.</param>
/// <param name="More">True when <c>limit</c> cut the result short.</param>
/// <param name="Count">How many keys match the prefix in all at that revision.</param>
public sealed record RangeResult(IReadOnlyList<KeyValue> Items, long Revision, bool More, long Count);

/// <param name="Succeeded">False when the precondition failed (key exists on create, absent or at another revision on update/delete).</param>
/// <param name="Revision">The new revision on success; the store's current revision otherwise.</param>
/// <param name="Current">On success: the written value (null after a delete). On failure: the key's current value, or null when absent.</param>
/// <param name="Previous">On a successful update or delete: the value it replaced.</param>
public sealed record WriteResult(bool Succeeded, long Revision, KeyValue? Current, KeyValue? Previous = null);

public enum WatchEventType { Put, Delete }

/// <param name="Type">Put for create and update, Delete for delete.</param>
/// <param name="Revision">The revision of the write.</param>
/// <param name="Current">For a put, the new value; for a delete, a tombstone with the key and an empty value at the delete's revision.</param>
/// <param name="Previous">The value before the write; null for a create.</param>
public sealed record WatchEvent(WatchEventType Type, long Revision, KeyValue Current, KeyValue? Previous)
{
    public bool IsCreate => Type == WatchEventType.Put && Previous is null;
}

/// <summary>The requested revision has been compacted away (the API answers 410 Gone).</summary>
public sealed class CompactedException(long requested, long compacted)
    : Exception($"required revision {requested} has been compacted; oldest available is {compacted}")
{
    public long RequestedRevision { get; } = requested;
    public long CompactedRevision { get; } = compacted;
}
