using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Capstan.Network.Catalog;
using Microsoft.Extensions.Logging;

namespace Capstan.Network.Proxy;

/// <summary>
/// The node's user-space L4 service proxy. For every Service with ClusterIPs it listens on each ClusterIP:port (and
/// external IPs), on the node IP at each NodePort, and on the LoadBalancer ingress IPs at the service port, TCP and UDP,
/// and forwards to the service port's usable backends. Catalog changes are applied one service at a time on one worker:
/// a change rebinds only the listeners that service gained or lost, and endpoint changes only swap the backend choice,
/// so other services' listeners and all open connections are untouched.
/// </summary>
public sealed class ServiceProxy : IAsyncDisposable
{
    private readonly ServiceCatalog _catalog;
    private readonly ServiceProxyOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<ServiceKey?> _work = Channel.CreateUnbounded<ServiceKey?>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<ListenerKey, (IFrontend Frontend, ServiceKey Owner)> _frontends = [];
    private readonly Dictionary<ServiceKey, HashSet<ListenerKey>> _owned = [];
    private readonly Dictionary<(ServiceKey Service, string Port, string Protocol), ServicePortState> _ports = [];
    private readonly Dictionary<ListenerKey, string> _bindFailures = [];
    private readonly HashSet<ServiceKey> _retry = [];
    private readonly ConnectionTracker _connections = new();
    private readonly CancellationTokenSource _stop = new();
    private IDisposable? _subscription;
    private Timer? _timer;
    private Task _worker = Task.CompletedTask;
    private long _applied;
    private long _queued;

    public ServiceProxy(ServiceCatalog catalog, ServiceProxyOptions options, ILoggerFactory loggerFactory)
    {
        _catalog = catalog;
        _options = options;
        _logger = loggerFactory.CreateLogger<ServiceProxy>();
    }

    public ProxyMetrics Metrics { get; } = new();

    /// <summary>Open relayed TCP connections.</summary>
    public int OpenConnections => _connections.Count;

    /// <summary>Open UDP flows (client address and port → backend socket) over all listeners.</summary>
    public int UdpFlows
    {
        get
        {
            lock (_frontends)
            {
                return _frontends.Values.Sum(f => f.Frontend is UdpFrontend udp ? udp.FlowCount : 0);
            }
        }
    }

    /// <summary>Whether every catalog change seen so far has been applied to the listeners.</summary>
    public bool Idle => Interlocked.Read(ref _applied) == Interlocked.Read(ref _queued);

    /// <summary>
    /// Starts following the catalog: every current service is applied, then every change; the catalog's informers may
    /// start before or after.
    /// </summary>
    public void Start()
    {
        _subscription = _catalog.Subscribe(change => Enqueue(change.Key));
        foreach (var key in _catalog.Services.Keys)
        {
            Enqueue(key);
        }

        _worker = Task.Run(WorkAsync);
        _timer = new Timer(_ => _work.Writer.TryWrite(null), null, _options.BindRetryInterval, _options.BindRetryInterval);
    }

    /// <summary>The listeners bound now, as "TCP 127.43.0.10:80 → ns/name:port (Internal)", for diagnostics.</summary>
    public IReadOnlyList<string> DescribeListeners()
    {
        lock (_frontends)
        {
            return [.. _frontends.Values.Select(f => $"{f.Frontend.Key} -> {f.Owner}:{f.Frontend.Route.State.PortName} ({f.Frontend.Route.Scope})").Order(StringComparer.Ordinal)];
        }
    }

    public async ValueTask DisposeAsync()
    {
        _subscription?.Dispose();
        if (_timer is not null)
        {
            await _timer.DisposeAsync().ConfigureAwait(false);
        }

        _work.Writer.TryComplete();
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _worker.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        lock (_frontends)
        {
            foreach (var (frontend, _) in _frontends.Values)
            {
                frontend.Dispose();
            }

            _frontends.Clear();
        }

        _connections.CloseAll();
        _stop.Dispose();
    }

    private void Enqueue(ServiceKey key)
    {
        Interlocked.Increment(ref _queued);
        if (!_work.Writer.TryWrite(key))
        {
            Interlocked.Increment(ref _applied);
        }
    }

    private async Task WorkAsync()
    {
        await foreach (var item in _work.Reader.ReadAllAsync(_stop.Token).ConfigureAwait(false))
        {
            if (item is not { } key)
            {
                Tick();
                continue;
            }

            try
            {
                Apply(key);
            }
            catch (Exception e)
            {
                _logger.LogError(e, "applying service {Service} failed", key);
            }
            finally
            {
                Interlocked.Increment(ref _applied);
            }
        }
    }

    // Periodic: listeners that failed to bind get another try, expired ClientIP affinities go.
    private void Tick()
    {
        if (_retry.Count > 0)
        {
            var retry = _retry.ToList();
            _retry.Clear();
            foreach (var key in retry)
            {
                Apply(key);
            }
        }

        foreach (var state in _ports.Values)
        {
            state.PruneAffinity();
        }
    }

    private void Apply(ServiceKey key)
    {
        var view = _catalog.Services.GetValueOrDefault(key);
        var desired = new Dictionary<ListenerKey, FrontendRoute>();
        var livePorts = new HashSet<(ServiceKey, string, string)>();
        if (view is not null && view.ClusterIps.Count > 0)
        {
            foreach (var port in view.Ports)
            {
                if (ProtocolOf(port.Protocol) is not { } protocol)
                {
                    continue;
                }

                var portKey = (key, port.Name, port.Protocol);
                livePorts.Add(portKey);
                if (!_ports.TryGetValue(portKey, out var state))
                {
                    state = new ServicePortState(key, port.Name, port.Protocol, Metrics.RejectedCounter(key, port.Name, port.Protocol));
                    _ports[portKey] = state;
                }

                state.Update(view, port, _options, Metrics);
                foreach (var (address, number, scope) in Addresses(view, port))
                {
                    desired.TryAdd(new ListenerKey(address, number, protocol), new FrontendRoute(state, scope));
                }
            }
        }

        foreach (var portKey in _ports.Keys.Where(k => k.Service == key && !livePorts.Contains(k)).ToList())
        {
            _ports.Remove(portKey);
        }

        var owned = _owned.GetValueOrDefault(key) ?? [];
        lock (_frontends)
        {
            foreach (var listener in owned.Where(l => !desired.ContainsKey(l)).ToList())
            {
                _frontends[listener].Frontend.Dispose();
                _frontends.Remove(listener);
                owned.Remove(listener);
                _logger.LogDebug("stopped listening on {Listener} for {Service}", listener, key);
            }
        }

        _retry.Remove(key);
        foreach (var (listener, route) in desired)
        {
            if (_frontends.TryGetValue(listener, out var existing))
            {
                if (existing.Owner == key)
                {
                    existing.Frontend.Route = route;
                }
                else
                {
                    BindFailed(key, listener, $"already served for {existing.Owner}");
                }

                continue;
            }

            try
            {
                IFrontend frontend = listener.Protocol == ProtocolType.Tcp
                    ? TcpFrontend.Start(listener, route, _options, _connections, _logger)
                    : UdpFrontend.Start(listener, route, _options, _logger);
                lock (_frontends)
                {
                    _frontends[listener] = (frontend, key);
                }

                owned.Add(listener);
                if (_bindFailures.Remove(listener))
                {
                    _logger.LogInformation("listening on {Listener} for {Service} after all", listener, key);
                }
            }
            catch (SocketException e)
            {
                BindFailed(key, listener, e.SocketErrorCode.ToString());
            }
        }

        if (owned.Count > 0)
        {
            _owned[key] = owned;
        }
        else
        {
            _owned.Remove(key);
        }

        if (view is null)
        {
            Metrics.Forget(key);
            foreach (var listener in _bindFailures.Keys.Where(l => !_frontends.ContainsKey(l)).ToList())
            {
                _bindFailures.Remove(listener);
            }
        }
    }

    private void BindFailed(ServiceKey key, ListenerKey listener, string reason)
    {
        _retry.Add(key);
        if (!_bindFailures.TryGetValue(listener, out var previous) || previous != reason)
        {
            _bindFailures[listener] = reason;
            _logger.LogWarning("cannot listen on {Listener} for service {Service}: {Reason}; retrying", listener, key, reason);
        }
    }

    private IEnumerable<(IPAddress Address, int Port, TrafficScope Scope)> Addresses(ServiceView view, ServicePortView port)
    {
        foreach (var ip in view.ClusterIps)
        {
            yield return (ip, port.Port, TrafficScope.Internal);
        }

        foreach (var ip in view.ExternalIps)
        {
            yield return (ip, port.Port, TrafficScope.External);
        }

        if (view.Type is "NodePort" or "LoadBalancer" && port.NodePort > 0)
        {
            yield return (_options.NodeIp, port.NodePort, TrafficScope.External);
        }

        if (view.Type == "LoadBalancer")
        {
            foreach (var ip in view.LoadBalancerIps)
            {
                yield return (ip, port.Port, TrafficScope.External);
            }
        }
    }

    private static ProtocolType? ProtocolOf(string protocol) => protocol switch
    {
        "TCP" => ProtocolType.Tcp,
        "UDP" => ProtocolType.Udp,
        _ => null,
    };
}
