using System.Collections.Frozen;

namespace Capstan.Network.Ingress;

/// <summary>
/// Every route of the Ingresses this controller serves, immutable: a new table replaces the old one on each change, so
/// requests read it without locks.
/// </summary>
public sealed class RoutingTable
{
    private readonly FrozenDictionary<string, HostRoutes> _exact;
    private readonly FrozenDictionary<string, HostRoutes> _wildcard;
    private readonly HostRoutes? _anyHost;

    /// <param name="hosts">Routes per host: "foo.example.com", "*.example.com" (one label, as Kubernetes defines), or "" for rules without a host.</param>
    /// <param name="defaultBackend">Where requests that match no rule go; null answers them 404.</param>
    public RoutingTable(IReadOnlyDictionary<string, HostRoutes> hosts, RouteTarget? defaultBackend)
    {
        var exact = new Dictionary<string, HostRoutes>(StringComparer.OrdinalIgnoreCase);
        var wildcard = new Dictionary<string, HostRoutes>(StringComparer.OrdinalIgnoreCase);
        foreach (var (host, routes) in hosts)
        {
            if (host.Length == 0)
            {
                _anyHost = routes;
            }
            else if (host.StartsWith("*.", StringComparison.Ordinal))
            {
                wildcard[host[2..]] = routes;
            }
            else
            {
                exact[host] = routes;
            }
        }

        _exact = exact.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
        _wildcard = wildcard.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
        DefaultBackend = defaultBackend;
    }

    public static RoutingTable Empty { get; } = new(new Dictionary<string, HostRoutes>(), null);

    public RouteTarget? DefaultBackend { get; }

    public IEnumerable<string> Hosts => _exact.Keys.Concat(_wildcard.Keys.Select(k => "*." + k)).Concat(_anyHost is null ? [] : [""]);

    /// <summary>
    /// The route for a request: the paths of its exact host, then of the wildcard covering it (*.example.com covers
    /// a.example.com, not a.b.example.com), then of the rules without a host, then the default backend; null when none.
    /// </summary>
    public RouteTarget? Match(string host, string path)
    {
        if (host.Length > 0)
        {
            if (_exact.Count > 0 && _exact.TryGetValue(host, out var exact) && exact.Match(path) is { } target)
            {
                return target;
            }

            var dot = host.IndexOf('.', StringComparison.Ordinal);
            if (_wildcard.Count > 0 && dot > 0 && _wildcard.TryGetValue(host[(dot + 1)..], out var wildcard) && wildcard.Match(path) is { } wildcardTarget)
            {
                return wildcardTarget;
            }
        }

        return _anyHost?.Match(path) ?? DefaultBackend;
    }
}
