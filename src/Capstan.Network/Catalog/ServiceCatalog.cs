using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Capstan.Client.Dynamic;
using Capstan.Client.Informers;

namespace Capstan.Network.Catalog;

/// <summary>
/// An in-memory view of every Service and its EndpointSlices, kept current by two shared informers. The service proxy,
/// cluster DNS and ingress read it instead of each holding their own copies; one catalog serves a whole process.
/// Readers take <see cref="Services"/> (an immutable snapshot) without locking; subscribers get every change in order.
/// </summary>
public sealed class ServiceCatalog
{
    private readonly Lock _lock = new();
    private readonly Dictionary<ServiceKey, JsonObject> _services = [];
    private readonly Dictionary<ServiceKey, Dictionary<string, EndpointSliceData>> _slices = [];

    // Service → the canary Service its annotation names (CanaryAnnotations).
    private readonly Dictionary<ServiceKey, ServiceKey> _canaryService = [];
    private readonly DynamicInformer _serviceInformer;
    private readonly DynamicInformer _sliceInformer;
    private ImmutableDictionary<ServiceKey, ServiceView> _views = ImmutableDictionary<ServiceKey, ServiceView>.Empty;
    private ImmutableArray<Action<ServiceChange>> _subscribers = [];

    public ServiceCatalog(SharedInformerFactory informers)
    {
        _serviceInformer = informers.For(NetworkResources.Services);
        _sliceInformer = informers.For(NetworkResources.EndpointSlices);
        _serviceInformer.AddEventHandler(new ResourceEventHandler
        {
            OnAdd = ServiceChanged,
            OnUpdate = (_, service) => ServiceChanged(service),
            OnDelete = ServiceDeleted,
        });
        _sliceInformer.AddEventHandler(new ResourceEventHandler
        {
            OnAdd = SliceChanged,
            OnUpdate = (old, slice) =>
            {
                // A slice relabelled to another service leaves the first one.
                if (ServiceOf(old) is { } previous && previous != ServiceOf(slice))
                {
                    SliceDeleted(old);
                }

                SliceChanged(slice);
            },
            OnDelete = SliceDeleted,
        });
    }

    /// <summary>Every service now, keyed by namespace and name.</summary>
    public ImmutableDictionary<ServiceKey, ServiceView> Services => Volatile.Read(ref _views);

    /// <summary>Bumped on every change; lets pollers tell whether anything moved.</summary>
    public long Version { get; private set; }

    public bool HasSynced => _serviceInformer.HasSynced && _sliceInformer.HasSynced;

    public async Task WaitForSyncAsync(CancellationToken ct)
    {
        await _serviceInformer.WaitForSyncAsync(ct).ConfigureAwait(false);
        await _sliceInformer.WaitForSyncAsync(ct).ConfigureAwait(false);
    }

    public ServiceView? Get(string ns, string name) => Services.GetValueOrDefault(new ServiceKey(ns, name));

    /// <summary>
    /// Calls <paramref name="onChange"/> for every later change, on the informer thread that saw it, one at a time:
    /// keep it quick. Dispose the result to stop.
    /// </summary>
    public IDisposable Subscribe(Action<ServiceChange> onChange)
    {
        lock (_lock)
        {
            _subscribers = _subscribers.Add(onChange);
        }

        return new Subscription(this, onChange);
    }

    private void ServiceChanged(JsonObject service)
    {
        var key = new ServiceKey(service.GetNamespace(), service.GetName());
        lock (_lock)
        {
            _services[key] = service;
            var canary = service["metadata"]?["annotations"]?[CanaryAnnotations.CanaryService] is JsonValue value && value.TryGetValue<string>(out var name) && name.Length > 0
                ? new ServiceKey(key.Namespace, name)
                : (ServiceKey?)null;
            if (canary is { } c)
            {
                _canaryService[key] = c;
            }
            else
            {
                _canaryService.Remove(key);
            }

            RebuildLocked(key);
        }
    }

    private void ServiceDeleted(JsonObject service)
    {
        var key = new ServiceKey(service.GetNamespace(), service.GetName());
        lock (_lock)
        {
            _services.Remove(key);
            _canaryService.Remove(key);
            RebuildLocked(key);
        }
    }

    private void SliceChanged(JsonObject slice)
    {
        if (ServiceOf(slice) is not { } key)
        {
            return;
        }

        var data = EndpointSliceData.Parse(slice);
        lock (_lock)
        {
            if (!_slices.TryGetValue(key, out var byName))
            {
                byName = new Dictionary<string, EndpointSliceData>(StringComparer.Ordinal);
                _slices[key] = byName;
            }

            byName[slice.GetName()] = data;
            RebuildLocked(key);
        }
    }

    private void SliceDeleted(JsonObject slice)
    {
        if (ServiceOf(slice) is not { } key)
        {
            return;
        }

        lock (_lock)
        {
            if (_slices.TryGetValue(key, out var byName) && byName.Remove(slice.GetName()) && byName.Count == 0)
            {
                _slices.Remove(key);
            }

            RebuildLocked(key);
        }
    }

    private void RebuildLocked(ServiceKey key)
    {
        RebuildOneLocked(key);

        // The endpoints of a canary Service decide which backends of the Services that name it are canaries.
        foreach (var (main, canary) in _canaryService)
        {
            if (canary == key && main != key)
            {
                RebuildOneLocked(main);
            }
        }
    }

    private void RebuildOneLocked(ServiceKey key)
    {
        var old = _views.GetValueOrDefault(key);
        ServiceView? view = null;
        if (_services.TryGetValue(key, out var service))
        {
            var slices = _slices.TryGetValue(key, out var byName) ? byName.Values : Enumerable.Empty<EndpointSliceData>();
            HashSet<System.Net.IPAddress>? canaryAddresses = null;
            if (_canaryService.TryGetValue(key, out var canaryKey))
            {
                canaryAddresses = [];
                if (_slices.TryGetValue(canaryKey, out var canarySlices))
                {
                    foreach (var endpoint in canarySlices.Values.SelectMany(s => s.Endpoints))
                    {
                        canaryAddresses.UnionWith(endpoint.Addresses);
                    }
                }
            }

            view = ServiceViewBuilder.Build(service, slices, canaryAddresses);
        }

        if (old is null && view is null)
        {
            return;
        }

        Volatile.Write(ref _views, view is null ? _views.Remove(key) : _views.SetItem(key, view));
        Version++;
        var change = new ServiceChange(key, old, view);
        foreach (var subscriber in _subscribers)
        {
            subscriber(change);
        }
    }

    private static ServiceKey? ServiceOf(JsonObject slice)
    {
        var name = slice["metadata"]?["labels"]?[EndpointSliceData.ServiceNameLabel]?.GetValue<string>();
        return string.IsNullOrEmpty(name) ? null : new ServiceKey(slice.GetNamespace(), name);
    }

    private void Unsubscribe(Action<ServiceChange> onChange)
    {
        lock (_lock)
        {
            _subscribers = _subscribers.Remove(onChange);
        }
    }

    private sealed class Subscription(ServiceCatalog catalog, Action<ServiceChange> onChange) : IDisposable
    {
        public void Dispose() => catalog.Unsubscribe(onChange);
    }
}
