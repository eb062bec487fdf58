using Capstan.Network.Ingress;

namespace Capstan.Network.Tests.Ingress;

public sealed class RoutingTableTests
{
    private static RouteTarget T(string name) => new([new WeightedBackend(name, 1)], name);

    // The examples table of the Kubernetes Ingress documentation (path types), plus trailing-slash and root cases.
    [Theory]
    [InlineData(PathType.Prefix, "/", "/anything", true)]
    [InlineData(PathType.Exact, "/foo", "/foo", true)]
    [InlineData(PathType.Exact, "/foo", "/bar", false)]
    [InlineData(PathType.Exact, "/foo", "/foo/", false)]
    [InlineData(PathType.Exact, "/foo/", "/foo", false)]
    [InlineData(PathType.Prefix, "/foo", "/foo", true)]
    [InlineData(PathType.Prefix, "/foo", "/foo/", true)]
    [InlineData(PathType.Prefix, "/foo/", "/foo", true)]
    [InlineData(PathType.Prefix, "/foo/", "/foo/", true)]
    [InlineData(PathType.Prefix, "/aaa/bb", "/aaa/bbb", false)]
    [InlineData(PathType.Prefix, "/aaa/bbb", "/aaa/bbb", true)]
    [InlineData(PathType.Prefix, "/aaa/bbb/", "/aaa/bbb", true)]
    [InlineData(PathType.Prefix, "/aaa/bbb", "/aaa/bbb/", true)]
    [InlineData(PathType.Prefix, "/aaa/bbb", "/aaa/bbb/ccc", true)]
    [InlineData(PathType.Prefix, "/aaa/bbb", "/aaa/bbbxyz", false)]
    [InlineData(PathType.Prefix, "/foo", "/Foo", false)]
    public void Matches_KubernetesExamples_AgreeWithTheDocumentation(PathType type, string path, string request, bool expected) =>
        Assert.Equal(expected, new PathRoute(path, type, T("x")).Matches(request));

    [Fact]
    public void Match_OverlappingPaths_LongestWinsAndExactBeatsPrefix()
    {
        var routes = new HostRoutes([
            new PathRoute("/", PathType.Prefix, T("root")),
            new PathRoute("/aaa", PathType.Prefix, T("aaa")),
            new PathRoute("/aaa/bbb", PathType.Prefix, T("bbb")),
            new PathRoute("/aaa/bbb", PathType.Exact, T("exact")),
        ]);

        Assert.Equal("exact", routes.Match("/aaa/bbb")!.Source);
        Assert.Equal("bbb", routes.Match("/aaa/bbb/c")!.Source);
        Assert.Equal("aaa", routes.Match("/aaa/bbbb")!.Source);
        Assert.Equal("root", routes.Match("/zzz")!.Source);
    }

    [Fact]
    public void Match_Hosts_ExactThenOneLabelWildcardThenHostlessThenDefault()
    {
        var table = new RoutingTable(new Dictionary<string, HostRoutes>
        {
            ["foo.example.com"] = new([new PathRoute("/", PathType.Prefix, T("exact"))]),
            ["*.example.com"] = new([new PathRoute("/", PathType.Prefix, T("wildcard"))]),
            [""] = new([new PathRoute("/any", PathType.Prefix, T("any"))]),
        }, T("default"));

        Assert.Equal("exact", table.Match("FOO.example.com", "/")!.Source);
        Assert.Equal("wildcard", table.Match("bar.example.com", "/")!.Source);
        Assert.Equal("any", table.Match("a.bar.example.com", "/any")!.Source);
        Assert.Equal("default", table.Match("a.bar.example.com", "/")!.Source);
        Assert.Equal("default", table.Match("example.com", "/x")!.Source);
    }

    [Fact]
    public void Match_NoRuleAndNoDefault_IsNull() =>
        Assert.Null(new RoutingTable(new Dictionary<string, HostRoutes> { ["a.test"] = new([new PathRoute("/x", PathType.Exact, T("x"))]) }, null).Match("a.test", "/y"));
}
