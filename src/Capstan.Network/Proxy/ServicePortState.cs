using System.Collections.Concurrent;
using System.Net;
using System.Runtime.CompilerServices;
using Capstan.Network.Catalog;

namespace Capstan.Network.Proxy;

/// <summary>
/// The live state of one service port (service, port name, protocol), shared by all its listeners (ClusterIPs, NodePort,
/// LoadBalancer): the backend choices per traffic scope, the round-robin position and the ClientIP affinity table, which
/// kube-proxy also keeps per service port. Endpoint updates swap the choices; listeners and open connections stay.
/// </summary>
internal sealed class ServicePortState
{
    private readonly ConcurrentDictionary<IPAddress, AffinityEntry> _affinity = new();
    private BackendChoice _internal = BackendChoice.Empty;
    private BackendChoice _external = BackendChoice.Empty;
    private long _affinityTimeoutTicks;
    // One round-robin position per traffic scope: NodePort traffic must not skew the ClusterIP rotation.
    private readonly int[] _next = [-1, -1];

    public ServicePortState(ServiceKey service, string portName, string protocol, StrongBox<long> rejected)
    {
        Service = service;
        PortName = portName;
        Protocol = protocol;
        RejectedCounter = rejected;
    }

    public ServiceKey Service { get; }

    public string PortName { get; }

    public string Protocol { get; }

    public StrongBox<long> RejectedCounter { get; }

    /// <summary>Whether ClientIP session affinity is on; the listeners then pass the client address to <see cref="Pick"/>.</summary>
    public bool Affinity => Volatile.Read(ref _affinityTimeoutTicks) > 0;

    public BackendChoice Choice(TrafficScope scope) => scope == TrafficScope.Internal ? Volatile.Read(ref _internal) : Volatile.Read(ref _external);

    public void Update(ServiceView view, ServicePortView port, ServiceProxyOptions options, ProxyMetrics metrics)
    {
        Volatile.Write(ref _internal, Build(BackendChoice.Eligible(port.Backends, view.InternalTrafficPolicy == "Local", options.NodeName), _internal, port, metrics, view.CanaryWeight));
        Volatile.Write(ref _external, Build(BackendChoice.Eligible(port.Backends, view.ExternalTrafficPolicy == "Local", options.NodeName), _external, port, metrics, view.CanaryWeight));
        var timeout = view.SessionAffinity == "ClientIP" ? TimeSpan.FromSeconds(Math.Max(1, view.SessionAffinityTimeoutSeconds)).Ticks : 0;
        Volatile.Write(ref _affinityTimeoutTicks, timeout);
        if (timeout == 0)
        {
            _affinity.Clear();
        }
    }

    /// <summary>
    /// The backend index in <paramref name="choice"/> for a new connection: the client's affine backend while it is
    /// still eligible and the affinity has not timed out, otherwise the next in round robin. -1 when there is none.
    /// </summary>
    public int Pick(BackendChoice choice, TrafficScope scope, IPAddress? client)
    {
        var count = choice.Count;
        if (count == 0)
        {
            return -1;
        }

        var timeout = Volatile.Read(ref _affinityTimeoutTicks);
        if (timeout > 0 && client is not null)
        {
            var now = DateTime.UtcNow.Ticks;
            if (_affinity.TryGetValue(client, out var entry) && now - Volatile.Read(ref entry.LastUsed) < timeout)
            {
                var affine = choice.IndexOf(entry.EndPoint);
                if (affine >= 0)
                {
                    Volatile.Write(ref entry.LastUsed, now);
                    return affine;
                }
            }

            var index = NextIndex(choice, scope, count);
            _affinity[client] = new AffinityEntry(choice.Backends[index].EndPoint, now);
            return index;
        }

        return NextIndex(choice, scope, count);
    }

    /// <summary>A connect to the client's affine backend failed: let the next pick choose again.</summary>
    public void ForgetAffinity(IPAddress? client)
    {
        if (client is not null)
        {
            _affinity.TryRemove(client, out _);
        }
    }

    public void PruneAffinity()
    {
        var timeout = Volatile.Read(ref _affinityTimeoutTicks);
        if (_affinity.IsEmpty)
        {
            return;
        }

        var now = DateTime.UtcNow.Ticks;
        foreach (var (client, entry) in _affinity)
        {
            if (timeout == 0 || now - Volatile.Read(ref entry.LastUsed) >= timeout)
            {
                _affinity.TryRemove(client, out _);
            }
        }
    }

    private int NextIndex(BackendChoice choice, TrafficScope scope, int count) =>
        choice.Split is { } split ? split.Next() : (int)((uint)Interlocked.Increment(ref _next[(int)scope]) % (uint)count);

    private BackendChoice Build(Backend[] eligible, BackendChoice current, ServicePortView port, ProxyMetrics metrics, int? canaryWeight)
    {
        if (current.SameAs(eligible, canaryWeight))
        {
            return current;
        }

        var stats = eligible.Select(b => metrics.For(Service, port.Name, port.Protocol, b.EndPoint)).ToArray();
        return new BackendChoice(eligible, stats, canaryWeight);
    }

    private sealed class AffinityEntry(IPEndPoint endPoint, long lastUsed)
    {
        public readonly IPEndPoint EndPoint = endPoint;

        public long LastUsed = lastUsed;
    }
}
