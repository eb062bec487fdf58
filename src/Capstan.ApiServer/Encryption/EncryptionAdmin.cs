using Capstan.Storage;

namespace Capstan.ApiServer.Encryption;

/// <summary>
/// Key management on a running server: status, rotation and re-encryption. Re-encryption rewrites, one object at a time
/// with a revision precondition, every stored object whose key is not the write key; a concurrent write simply wins
/// (it already used the write key). It is online: readers keep being served from the watch cache throughout.
/// </summary>
public sealed class EncryptionAdmin(EncryptingStore store, TimeProvider time)
{
    private const int PageSize = 500;

    private readonly SemaphoreSlim _exclusive = new(1, 1);

    public async Task<EncryptionStatus> StatusAsync(CancellationToken ct)
    {
        var counts = store.Transformer.Keys.Keys.ToDictionary(k => k.Name, _ => 0L, StringComparer.Ordinal);
        long plaintext = 0;
        await foreach (var kv in ScanAsync(ct).ConfigureAwait(false))
        {
            if (AesGcmTransformer.KeyNameOf(kv.Value.Span) is { } name)
            {
                counts[name] = counts.GetValueOrDefault(name) + 1;
            }
            else
            {
                plaintext++;
            }
        }

        var active = store.Transformer.Keys.Active.Name;
        var ordered = counts.OrderBy(c => c.Key == active ? 0 : 1).ThenByDescending(c => c.Key, StringComparer.Ordinal).ToList();
        return new EncryptionStatus(active, ordered, plaintext, store.Prefixes);
    }

    /// <summary>Adds a new write key; objects keep their old key until re-encrypted.</summary>
    public async Task<EncryptionKey> RotateAsync(CancellationToken ct)
    {
        await _exclusive.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            return store.Transformer.Keys.Rotate(time.GetUtcNow());
        }
        finally
        {
            _exclusive.Release();
        }
    }

    /// <summary>Rewrites every object not under the write key, then drops the keys no object uses. Returns (rewritten, dropped keys).</summary>
    public async Task<(long Rewritten, IReadOnlyList<string> Dropped)> ReencryptAsync(CancellationToken ct)
    {
        await _exclusive.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            long rewritten = 0;
            await foreach (var kv in ScanAsync(ct).ConfigureAwait(false))
            {
                if (await RewriteAsync(kv, ct).ConfigureAwait(false))
                {
                    rewritten++;
                }
            }

            var inUse = new HashSet<string>(StringComparer.Ordinal);
            await foreach (var kv in ScanAsync(ct).ConfigureAwait(false))
            {
                if (AesGcmTransformer.KeyNameOf(kv.Value.Span) is { } name)
                {
                    inUse.Add(name);
                }
            }

            return (rewritten, store.Transformer.Keys.DropUnused(inUse));
        }
        finally
        {
            _exclusive.Release();
        }
    }

    private async Task<bool> RewriteAsync(KeyValue stored, CancellationToken ct)
    {
        var current = stored;
        while (true)
        {
            if (AesGcmTransformer.KeyNameOf(current.Value.Span) == store.Transformer.Keys.Active.Name)
            {
                return false;
            }

            var plaintext = store.Transformer.Decrypt(current.Key, current.Value);
            var result = await store.Inner.UpdateAsync(current.Key, store.Transformer.Encrypt(current.Key, plaintext.Span), current.ModRevision, ct).ConfigureAwait(false);
            if (result.Succeeded)
            {
                return true;
            }

            // Someone wrote (or deleted) the object meanwhile: look again.
            var fresh = await store.Inner.GetAsync(current.Key, ct).ConfigureAwait(false);
            if (fresh is null)
            {
                return false;
            }

            current = fresh;
        }
    }

    private async IAsyncEnumerable<KeyValue> ScanAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        foreach (var prefix in store.Prefixes)
        {
            string? after = null;
            while (true)
            {
                var page = await store.Inner.RangeAsync(prefix, 0, after, PageSize, ct).ConfigureAwait(false);
                foreach (var kv in page.Items)
                {
                    yield return kv;
                }

                if (!page.More || page.Items.Count == 0)
                {
                    break;
                }

                after = page.Items[^1].Key;
            }
        }
    }
}
