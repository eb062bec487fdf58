using Capstan.Client.Dynamic;
using Microsoft.Extensions.Logging;

namespace Capstan.Client.Informers;

/// <summary>
/// One informer per resource (all namespaces), shared by every controller that asks for it, so the process holds one
/// watch and one cache per resource. Informers start when <see cref="Start"/> is called, or at once when asked for after that.
/// </summary>
public sealed class SharedInformerFactory : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, DynamicInformer> _informers = new(StringComparer.Ordinal);
    private readonly List<Task> _running = [];
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _time;
    private CancellationTokenSource? _stop;

    public SharedInformerFactory(DynamicClient client, ILoggerFactory loggerFactory, TimeProvider? time = null)
    {
        Client = client;
        _loggerFactory = loggerFactory;
        _time = time ?? TimeProvider.System;
    }

    public DynamicClient Client { get; }

    /// <summary>
    /// The shared informer of <paramref name="resource"/>; metadata-only informers (the garbage collector's) cache just
    /// each object's metadata, and are fed by the full informer of the resource when one was asked for before them.
    /// </summary>
    public DynamicInformer For(ApiResource resource, bool metadataOnly = false)
    {
        lock (_lock)
        {
            var key = metadataOnly ? resource + "#metadata" : resource.ToString();
            if (!_informers.TryGetValue(key, out var informer))
            {
                // A metadata-only informer of a resource this process already watches in full is derived from that watch.
                informer = metadataOnly && _informers.TryGetValue(resource.ToString(), out var full)
                    ? new DynamicInformer(full, _loggerFactory.CreateLogger<DynamicInformer>())
                    : new DynamicInformer(Client, resource, new InformerOptions { MetadataOnly = metadataOnly }, _loggerFactory.CreateLogger<DynamicInformer>(), _time);
                _informers[key] = informer;
                if (_stop is not null)
                {
                    _running.Add(Task.Run(() => informer.RunAsync(_stop.Token), CancellationToken.None));
                }
            }

            return informer;
        }
    }

    /// <summary>
    /// An informer for a consumer that reads only each event's metadata and never the cache (the garbage collector): the
    /// full informer of <paramref name="resource"/> when this process already has one, whose events carry the metadata
    /// anyway, otherwise the metadata-only one. A metadata informer derived from the full one would keep a second cache
    /// of every object (at 10,000 pods and 5,000 nodes and Leases, ~12 MB) and project every event once more.
    /// </summary>
    public DynamicInformer ForMetadataEvents(ApiResource resource)
    {
        lock (_lock)
        {
            if (_informers.TryGetValue(resource.ToString(), out var full))
            {
                return full;
            }
        }

        return For(resource, metadataOnly: true);
    }

    /// <summary>Starts every informer created so far and, from now on, each new one as it is created.</summary>
    public void Start(CancellationToken ct)
    {
        lock (_lock)
        {
            if (_stop is not null)
            {
                return;
            }

            _stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            foreach (var informer in _informers.Values)
            {
                _running.Add(Task.Run(() => informer.RunAsync(_stop.Token), CancellationToken.None));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task[] running;
        lock (_lock)
        {
            _stop?.Cancel();
            running = [.. _running];
        }

        await Task.WhenAll(running).ConfigureAwait(false);
        _stop?.Dispose();
    }
}
