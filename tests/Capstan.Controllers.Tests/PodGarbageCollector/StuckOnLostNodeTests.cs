using System.Text.Json.Nodes;

namespace Capstan.Controllers.Tests.PodGarbageCollector;

public sealed class StuckOnLostNodeTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 1, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("""{"key":"node.kubernetes.io/unreachable","effect":"NoExecute"}""", "Unknown", "2026-01-01T00:00:30Z", true)]
    [InlineData("""{"key":"node.kubernetes.io/unreachable","effect":"NoExecute"}""", "Unknown", "2026-01-01T00:05:00Z", false)]
    [InlineData("""{"key":"node.kubernetes.io/out-of-service","effect":"NoExecute"}""", "False", "2026-01-01T00:05:00Z", true)]
    [InlineData("""{"key":"node.kubernetes.io/out-of-service","effect":"NoExecute"}""", "True", "2026-01-01T00:00:30Z", false)]
    [InlineData("""{"key":"dedicated","effect":"NoExecute"}""", "Unknown", "2026-01-01T00:00:30Z", false)]
    public void StuckOnLostNode_Cases(string taint, string ready, string deletionTimestamp, bool expected)
    {
        var pod = (JsonObject)JsonNode.Parse($$$"""{"metadata":{"name":"p","deletionTimestamp":"{{{deletionTimestamp}}}"}}""")!;
        var node = (JsonObject)JsonNode.Parse($$$"""{"spec":{"taints":[{{{taint}}}]},"status":{"conditions":[{"type":"Ready","status":"{{{ready}}}"}]}}""")!;

        Assert.Equal(expected, Capstan.Controllers.PodGarbageCollector.PodGarbageCollector.StuckOnLostNode(pod, node, Now));
    }
}
