namespace Capstan.Network.Ingress;

/// <summary>The paths served for one host (or for every host), in match order.</summary>
public sealed class HostRoutes
{
    private readonly PathRoute[] _paths;

    /// <summary>
    /// <paramref name="paths"/> in the order their Ingresses were created; the first of two equal paths wins. They are
    /// ranked as Kubernetes says: the longest matching path first, and Exact before Prefix at the same length.
    /// </summary>
    public HostRoutes(IEnumerable<PathRoute> paths)
    {
        _paths = [.. paths.Select((p, i) => (p, i))
            .OrderByDescending(x => x.p.Rank)
            .ThenBy(x => x.p.Type == PathType.Exact ? 0 : 1)
            .ThenBy(x => x.i)
            .Select(x => x.p)];
    }

    public IReadOnlyList<PathRoute> Paths => _paths;

    public RouteTarget? Match(string path)
    {
        foreach (var route in _paths)
        {
            if (route.Matches(path))
            {
                return route.Target;
            }
        }

        return null;
    }
}
