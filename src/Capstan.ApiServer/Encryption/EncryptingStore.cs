using System.Runtime.CompilerServices;
using Capstan.Storage;

namespace Capstan.ApiServer.Encryption;

/// <summary>
/// An <see cref="IStore"/> in front of the datastore that encrypts the values of the listed resources on the way in
/// and decrypts them on the way out: the resource layer, watch cache and watch streams see plaintext, the datastore never does.
/// Keys outside <paramref name="prefixes"/> pass through untouched.
/// </summary>
public sealed class EncryptingStore(IStore inner, AesGcmTransformer transformer, IReadOnlyCollection<string> prefixes) : IStore
{
    private readonly string[] _prefixes = [.. prefixes];

    /// <summary>The datastore itself, which holds ciphertext.</summary>
    public IStore Inner => inner;

    public AesGcmTransformer Transformer => transformer;

    /// <summary>The storage prefixes (<c>/registry/&lt;group&gt;/&lt;resource&gt;/</c>) whose values are encrypted.</summary>
    public IReadOnlyList<string> Prefixes => _prefixes;

    public long CurrentRevision => inner.CurrentRevision;

    public long CompactedRevision => inner.CompactedRevision;

    public bool IsEncrypted(string key)
    {
        foreach (var prefix in _prefixes)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    public async Task<KeyValue?> GetAsync(string key, CancellationToken cancellationToken = default) =>
        Open(await inner.GetAsync(key, cancellationToken).ConfigureAwait(false));

    public async Task<RangeResult> RangeAsync(string prefix, long revision = 0, string? startAfterKey = null, int limit = 0, CancellationToken cancellationToken = default)
    {
        var result = await inner.RangeAsync(prefix, revision, startAfterKey, limit, cancellationToken).ConfigureAwait(false);
        if (!_prefixes.Any(p => p.StartsWith(prefix, StringComparison.Ordinal) || prefix.StartsWith(p, StringComparison.Ordinal)))
        {
            return result;
        }

        return result with { Items = [.. result.Items.Select(kv => Open(kv)!)] };
    }

    public async Task<WriteResult> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default) =>
        Open(await inner.CreateAsync(key, Seal(key, value), cancellationToken).ConfigureAwait(false));

    public async Task<WriteResult> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedRevision, CancellationToken cancellationToken = default) =>
        Open(await inner.UpdateAsync(key, Seal(key, value), expectedRevision, cancellationToken).ConfigureAwait(false));

    public async Task<WriteResult> DeleteAsync(string key, long expectedRevision = 0, CancellationToken cancellationToken = default) =>
        Open(await inner.DeleteAsync(key, expectedRevision, cancellationToken).ConfigureAwait(false));

    public async IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long afterRevision, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var e in inner.WatchAsync(prefix, afterRevision, cancellationToken).ConfigureAwait(false))
        {
            yield return IsEncrypted(e.Current.Key) ? e with { Current = Open(e.Current)!, Previous = Open(e.Previous) } : e;
        }
    }

    public Task CompactAsync(long revision, CancellationToken cancellationToken = default) => inner.CompactAsync(revision, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    private ReadOnlyMemory<byte> Seal(string key, ReadOnlyMemory<byte> value) =>
        IsEncrypted(key) ? transformer.Encrypt(key, value.Span) : value;

    private KeyValue? Open(KeyValue? kv) =>
        kv is null || kv.Value.IsEmpty || !IsEncrypted(kv.Key) ? kv : kv with { Value = transformer.Decrypt(kv.Key, kv.Value) };

    private WriteResult Open(WriteResult result) =>
        result.Current is null && result.Previous is null ? result : result with { Current = Open(result.Current), Previous = Open(result.Previous) };
}
