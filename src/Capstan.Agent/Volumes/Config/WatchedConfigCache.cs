using Capstan.Agent.Env;
using k8s.Models;

namespace Capstan.Agent.Volumes.Config;

/// <summary>
/// The volume data of the ConfigMaps and Secrets that <see cref="ConfigObjectWatcher"/> watches (the kubelet's Watch
/// strategy keeps them in memory too): every pod mounts its namespace's <c>kube-root-ca.crt</c> through the projected
/// service-account volume, and reading it through the API for each of a burst of pods cost about 5 % of the agent's
/// CPU. Data is cached only while its object is watched; a watch event for it (including the watch's initial list)
/// drops the entry, and a read that was under way across the change does not store its result. Concurrent misses
/// share one read. Everything else, and objects nobody watches, goes to the source underneath.
/// </summary>
internal sealed class WatchedConfigCache(IConfigSource inner) : IConfigSource
{
    private readonly Lock _lock = new();
    private readonly Dictionary<ConfigObjectRef, Entry> _entries = [];
    private int _misses;

    /// <summary>Reads that went to the source underneath (tests and diagnostics).</summary>
    public int Misses => Volatile.Read(ref _misses);

    /// <summary>A watch on <paramref name="target"/> started: its data may be kept from now on.</summary>
    public void Watching(ConfigObjectRef target)
    {
        lock (_lock)
        {
            _entries.TryAdd(target, new Entry());
        }
    }

    /// <summary>The watch saw <paramref name="target"/> listed, changed or deleted: the next read goes to the API.</summary>
    public void Changed(ConfigObjectRef target)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(target, out var entry))
            {
                entry.Generation++;
                entry.Read = null;
            }
        }
    }

    /// <summary>The watch stopped: nothing would tell us about changes any more.</summary>
    public void Unwatched(ConfigObjectRef target)
    {
        lock (_lock)
        {
            _entries.Remove(target);
        }
    }

    public async Task<IReadOnlyDictionary<string, byte[]>?> BytesAsync(string resource, string ns, string name, CancellationToken ct)
    {
        var target = new ConfigObjectRef(resource, ns, name);
        Task<IReadOnlyDictionary<string, byte[]>?> read;
        lock (_lock)
        {
            if (!_entries.TryGetValue(target, out var entry))
            {
                read = ReadAsync(resource, ns, name, ct);
            }
            else
            {
                // A shared read must not be cancelled by whichever pod started it.
                entry.Read ??= ReadAsync(resource, ns, name, CancellationToken.None);
                read = entry.Read;
                var generation = entry.Generation;
                _ = read.ContinueWith(
                    t =>
                    {
                        if (t.IsCompletedSuccessfully)
                        {
                            return;
                        }

                        // A failed read is not kept: the next caller tries again.
                        lock (_lock)
                        {
                            if (_entries.TryGetValue(target, out var current) && current.Generation == generation && ReferenceEquals(current.Read, t))
                            {
                                current.Read = null;
                            }
                        }
                    },
                    CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
            }
        }

        return await read.WaitAsync(ct).ConfigureAwait(false);
    }

    private Task<IReadOnlyDictionary<string, byte[]>?> ReadAsync(string resource, string ns, string name, CancellationToken ct)
    {
        Interlocked.Increment(ref _misses);
        return inner.BytesAsync(resource, ns, name, ct);
    }

    public Task<IReadOnlyDictionary<string, string>?> ConfigMapAsync(string ns, string name, CancellationToken ct) => inner.ConfigMapAsync(ns, name, ct);

    public Task<IReadOnlyDictionary<string, string>?> SecretAsync(string ns, string name, CancellationToken ct) => inner.SecretAsync(ns, name, ct);

    public Task<string> ServiceAccountTokenAsync(V1Pod pod, string? audience, long expirationSeconds, CancellationToken ct) =>
        inner.ServiceAccountTokenAsync(pod, audience, expirationSeconds, ct);

    private sealed class Entry
    {
        public long Generation { get; set; }

        /// <summary>The read whose result stands for the current generation; null until someone asks after a change.</summary>
        public Task<IReadOnlyDictionary<string, byte[]>?>? Read { get; set; }
    }
}
