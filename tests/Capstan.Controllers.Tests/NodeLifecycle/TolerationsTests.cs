using System.Text.Json.Nodes;
using Capstan.Controllers.NodeLifecycle;

namespace Capstan.Controllers.Tests.NodeLifecycle;

public sealed class TolerationsTests
{
    private static readonly JsonObject Unreachable = Parse("""{"key":"node.kubernetes.io/unreachable","effect":"NoExecute"}""");
    private static readonly JsonObject NotReady = Parse("""{"key":"node.kubernetes.io/not-ready","effect":"NoExecute"}""");

    [Fact]
    public void EvictionDelay_NoTaints_Never() => Assert.Null(Tolerations.EvictionDelay([], []));

    [Fact]
    public void EvictionDelay_NotTolerated_Now() => Assert.Equal(TimeSpan.Zero, Tolerations.EvictionDelay([Unreachable], []));

    [Fact]
    public void EvictionDelay_ToleratedWithSeconds_ThatLong() =>
        Assert.Equal(TimeSpan.FromSeconds(30), Tolerations.EvictionDelay([Unreachable],
            [Parse("""{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":30}""")]));

    [Fact]
    public void EvictionDelay_ToleratedForever_Never() =>
        Assert.Null(Tolerations.EvictionDelay([Unreachable], [Parse("""{"key":"node.kubernetes.io/unreachable","operator":"Exists"}""")]));

    [Fact]
    public void EvictionDelay_SeveralTaints_SmallestSecondsOfTheMatchingTolerations() =>
        Assert.Equal(TimeSpan.FromSeconds(5), Tolerations.EvictionDelay([Unreachable, NotReady],
        [
            Parse("""{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}"""),
            Parse("""{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":5}"""),
        ]));

    [Fact]
    public void EvictionDelay_OneTaintUntolerated_NowDespiteOtherTolerations() =>
        Assert.Equal(TimeSpan.Zero, Tolerations.EvictionDelay([Unreachable, NotReady],
            [Parse("""{"key":"node.kubernetes.io/unreachable","operator":"Exists","tolerationSeconds":300}""")]));

    [Fact]
    public void EvictionDelay_ZeroSeconds_Now() =>
        Assert.Equal(TimeSpan.Zero, Tolerations.EvictionDelay([Unreachable], [Parse("""{"operator":"Exists","tolerationSeconds":0}""")]));

    [Theory]
    [InlineData("""{"operator":"Exists"}""", true)]
    [InlineData("""{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoSchedule"}""", false)]
    [InlineData("""{"key":"other","operator":"Exists"}""", false)]
    [InlineData("""{"key":"node.kubernetes.io/unreachable","value":"","effect":"NoExecute"}""", true)]
    [InlineData("""{"key":"node.kubernetes.io/unreachable","operator":"Equal","value":"x"}""", false)]
    public void Tolerates_Cases(string toleration, bool expected) => Assert.Equal(expected, Tolerations.Tolerates(Parse(toleration), Unreachable));

    private static JsonObject Parse(string json) => (JsonObject)JsonNode.Parse(json)!;
}
