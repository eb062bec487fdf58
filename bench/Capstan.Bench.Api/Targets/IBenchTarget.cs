namespace Capstan.Bench.Api.Targets;

/// <summary>A system under test: stores 1 KiB objects under a namespace and watches a namespace.</summary>
public interface IBenchTarget : IAsyncDisposable
{
    /// <summary>Makes the namespace usable (Capstan creates it; etcd has nothing to do).</summary>
    Task EnsureNamespaceAsync(string ns, CancellationToken ct);

    /// <summary>Creates one new object; throws when the system refuses it.</summary>
    Task CreateAsync(string ns, string name, CancellationToken ct);

    /// <summary>Reads one object back by name: the read path, for comparison with the write path.</summary>
    Task ReadAsync(string ns, string name, CancellationToken ct);

    /// <summary>
    /// Starts watching <paramref name="ns"/> from the current revision and returns once the watch is established.
    /// <paramref name="onCreated"/> gets each created object's name on the watcher's own loop, as soon as it is read.
    /// Disposing the result ends the watch.
    /// </summary>
    Task<IAsyncDisposable> WatchAsync(string ns, Action<string> onCreated, CancellationToken ct);
}
