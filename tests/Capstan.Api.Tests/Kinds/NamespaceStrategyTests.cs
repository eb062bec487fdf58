using Capstan.Api.Kinds;

namespace Capstan.Api.Tests.Kinds;

public sealed class NamespaceStrategyTests
{
    private static readonly IKindStrategy Strategy = KindStrategies.Find("", "Namespace")!;

    [Fact]
    public void DefaultAndPrepare_NewNamespace_LabelFinalizerPhase()
    {
        var ns = Json.Parse("""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team-a"}}""");
        Strategy.Default(ns);
        Strategy.PrepareForCreate(ns);
        Assert.Equal("team-a", (string?)ns["metadata"]!["labels"]!["kubernetes.io/metadata.name"]);
        Assert.Equal("[\"kubernetes\"]", Json.Text(ns, "spec.finalizers"));
        Assert.Equal("\"Active\"", Json.Text(ns, "status.phase"));
        Assert.Empty(Strategy.Validate(ns, null));
    }

    [Fact]
    public void PrepareForCreate_OtherFinalizer_KubernetesAppended()
    {
        var ns = Json.Parse("""{"metadata":{"name":"a"},"spec":{"finalizers":["example.com/x"]}}""");
        Strategy.PrepareForCreate(ns);
        Assert.Equal("[\"example.com/x\",\"kubernetes\"]", Json.Text(ns, "spec.finalizers"));
    }

    [Fact]
    public void Validate_UnqualifiedNonStandardFinalizer_Invalid()
    {
        var ns = Json.Parse("""{"metadata":{"name":"a"},"spec":{"finalizers":["custom"]}}""");
        var err = Assert.Single(Strategy.Validate(ns, null));
        Assert.Equal("spec.finalizers: Invalid value: \"custom\": name is neither a standard finalizer name nor is it fully qualified", err.ToString());
    }

    [Fact]
    public void PrepareForUpdate_SpecFinalizers_KeptFromOld()
    {
        var old = Json.Parse("""{"metadata":{"name":"a"},"spec":{"finalizers":["kubernetes"]}}""");
        var ns = Json.Parse("""{"metadata":{"name":"a"},"spec":{}}""");
        Strategy.PrepareForUpdate(ns, old);
        Assert.Equal("[\"kubernetes\"]", Json.Text(ns, "spec.finalizers"));
    }

    [Theory]
    [InlineData("""{"metadata":{"name":"a"},"status":{"phase":"Active"}}""", 0)]
    [InlineData("""{"metadata":{"name":"a"},"status":{"phase":"Terminating"}}""", 1)]
    [InlineData("""{"metadata":{"name":"a","deletionTimestamp":"2026-01-01T00:00:00Z"},"status":{"phase":"Terminating"}}""", 0)]
    [InlineData("""{"metadata":{"name":"a","deletionTimestamp":"2026-01-01T00:00:00Z"},"status":{"phase":"Active"}}""", 1)]
    public void ValidateStatus_PhaseFollowsDeletion(string json, int errors)
    {
        var ns = Json.Parse(json);
        Assert.Equal(errors, Strategy.ValidateStatus(ns, ns).Count());
    }
}
