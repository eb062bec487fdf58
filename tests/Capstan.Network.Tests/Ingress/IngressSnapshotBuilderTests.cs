using System.Text.Json.Nodes;
using Capstan.Network.Catalog;
using Capstan.Network.Ingress;

namespace Capstan.Network.Tests.Ingress;

public sealed class IngressSnapshotBuilderTests
{
    private static readonly Dictionary<ServiceKey, ServiceView> s_noServices = [];

    private static JsonObject Ingress(string name, string host, string service, string created, string? className = null, Dictionary<string, string>? annotations = null)
    {
        var ingress = JsonNode.Parse("""
            {"apiVersion":"networking.k8s.io/v1","kind":"Ingress",
             "metadata":{"name":"@NAME","namespace":"ns","creationTimestamp":"@CREATED"},
             "spec":{"rules":[{"host":"@HOST","http":{"paths":[{"path":"/","pathType":"Prefix","backend":{"service":{"name":"@SERVICE","port":{"number":80}}}}]}}]}}
            """.Replace("@NAME", name, StringComparison.Ordinal).Replace("@CREATED", created, StringComparison.Ordinal)
            .Replace("@HOST", host, StringComparison.Ordinal).Replace("@SERVICE", service, StringComparison.Ordinal))!.AsObject();
        if (className is not null)
        {
            ingress["spec"]!["ingressClassName"] = className;
        }

        if (annotations is not null)
        {
            ingress["metadata"]!["annotations"] = new JsonObject(annotations.Select(a => KeyValuePair.Create(a.Key, (JsonNode?)a.Value)));
        }

        return ingress;
    }

    [Fact]
    public void Build_Canary_SplitsTheWeightWithThePrimary()
    {
        var builder = new IngressSnapshotBuilder(new IngressOptions());
        var snapshot = builder.Build(
            [
                Ingress("main", "a.test", "stable", "2026-01-01T00:00:00Z"),
                Ingress("canary", "a.test", "next", "2026-01-02T00:00:00Z", annotations: new() { [IngressAnnotations.CanaryWeight] = "30" }),
            ], [], s_noServices, _ => null);

        var target = snapshot.Table.Match("a.test", "/x")!;
        Assert.Equal([new WeightedBackend("ns/stable:80", 70), new WeightedBackend("ns/next:80", 30)], target.Backends);
    }

    [Fact]
    public void Build_ServiceSplitByACanary_PrimaryClusterKeepsOnlyStablePods()
    {
        var stable = new Backend(System.Net.IPAddress.Parse("127.0.0.2"), 8080, true, true, false, null);
        var canary = new Backend(System.Net.IPAddress.Parse("127.0.0.3"), 8080, true, true, false, null) { Canary = true };
        var view = new ServiceView
        {
            Key = new ServiceKey("ns", "shop"),
            Type = "ClusterIP",
            ClusterIps = [],
            Ports = [new ServicePortView("http", "TCP", 80, 0, null, [stable, canary])],
            Endpoints = [],
            CanaryWeight = 25,
        };
        var snapshot = new IngressSnapshotBuilder(new IngressOptions()).Build(
            [Ingress("main", "a.test", "shop", "2026-01-01T00:00:00Z")], [], new Dictionary<ServiceKey, ServiceView> { [view.Key] = view }, _ => null);

        var cluster = snapshot.Clusters.Single(c => c.ClusterId == "ns/shop:80");
        Assert.Equal(["127.0.0.2:8080"], cluster.Destinations!.Keys);
    }

    [Fact]
    public void Picker_PrimaryAndCanary_ExactSharesPerHundredRequests()
    {
        var target = new RouteTarget([new WeightedBackend("ns/stable:80", 75), new WeightedBackend("ns/next:80", 25)], "ns/main");
        var picks = Enumerable.Range(0, 100).Select(_ => target.Picker.Next()).ToList();
        Assert.Equal(25, picks.Count(p => p == 1));
    }

    [Fact]
    public void Build_SamePathInTwoIngresses_OldestWins()
    {
        var snapshot = new IngressSnapshotBuilder(new IngressOptions()).Build(
            [Ingress("young", "a.test", "young", "2026-01-02T00:00:00Z"), Ingress("old", "a.test", "old", "2026-01-01T00:00:00Z")],
            [], s_noServices, _ => null);

        Assert.Equal("ns/old:80", snapshot.Table.Match("a.test", "/")!.Backends.Single().ClusterId);
    }

    [Fact]
    public void Build_OtherClass_IsIgnoredAndClasslessFollowsTheDefault()
    {
        var otherDefault = JsonNode.Parse("""
            {"metadata":{"name":"nginx","annotations":{"ingressclass.kubernetes.io/is-default-class":"true"}},"spec":{"controller":"k8s.io/ingress-nginx"}}
            """)!.AsObject();
        var ours = JsonNode.Parse("""{"metadata":{"name":"capstan"},"spec":{"controller":"capstan.io/ingress-controller"}}""")!.AsObject();
        var snapshot = new IngressSnapshotBuilder(new IngressOptions()).Build(
            [
                Ingress("mine", "mine.test", "a", "2026-01-01T00:00:00Z", className: "capstan"),
                Ingress("theirs", "theirs.test", "b", "2026-01-01T00:00:00Z", className: "nginx"),
                Ingress("classless", "none.test", "c", "2026-01-01T00:00:00Z"),
            ], [otherDefault, ours], s_noServices, _ => null);

        Assert.NotNull(snapshot.Table.Match("mine.test", "/"));
        Assert.Null(snapshot.Table.Match("theirs.test", "/"));
        Assert.Null(snapshot.Table.Match("none.test", "/"));
        Assert.Single(snapshot.Ingresses);
    }
}
