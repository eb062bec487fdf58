namespace Capstan.Network.Ingress;

/// <summary>One path of an Ingress rule and where it goes.</summary>
public sealed class PathRoute
{
    // Prefix paths are kept without their trailing slash ("/foo/" matches as "/foo", "/" as ""), which makes the
    // element-wise test one comparison and a look at the next character.
    private readonly string _normalized;

    public PathRoute(string path, PathType type, RouteTarget target)
    {
        Path = path.Length == 0 ? "/" : path;
        Type = type;
        Target = target;
        _normalized = type == PathType.Prefix ? Path.TrimEnd('/') : Path;
    }

    public string Path { get; }

    public PathType Type { get; }

    public RouteTarget Target { get; }

    /// <summary>The length that ranks this path: among the paths that match, the longest wins.</summary>
    internal int Rank => _normalized.Length;

    /// <summary>
    /// Exact: the request path equals the path, case-sensitively. Prefix: the path's '/'-separated elements are a prefix
    /// of the request path's elements ("/foo/bar" matches "/foo/bar" and "/foo/bar/baz", not "/foo/barbaz"); a trailing
    /// slash on either side is ignored.
    /// </summary>
    public bool Matches(string requestPath)
    {
        if (Type == PathType.Exact)
        {
            return string.Equals(requestPath, _normalized, StringComparison.Ordinal);
        }

        return requestPath.StartsWith(_normalized, StringComparison.Ordinal)
            && (requestPath.Length == _normalized.Length || requestPath[_normalized.Length] == '/');
    }
}
