using Capstan.Api.Kinds;

namespace Capstan.Api.Tests.Kinds;

public sealed class WorkloadStatusTests
{
    [Theory]
    [InlineData("Deployment", """{"replicas":2,"readyReplicas":3}""", "status.readyReplicas:FieldValueInvalid")]
    [InlineData("Deployment", """{"replicas":2,"readyReplicas":1,"availableReplicas":2}""", "status.availableReplicas:FieldValueInvalid")]
    [InlineData("ReplicaSet", """{"replicas":-1}""", "status.replicas:FieldValueInvalid")]
    [InlineData("StatefulSet", """{"replicas":1,"currentReplicas":2}""", "status.currentReplicas:FieldValueInvalid")]
    [InlineData("DaemonSet", """{"numberReady":-1}""", "status.numberReady:FieldValueInvalid")]
    public void ValidateStatus_Bad(string kind, string status, string expected)
    {
        var strategy = KindStrategies.Find("apps", kind)!;
        var obj = Json.Parse("""{"metadata":{"name":"x","namespace":"a"},"status":""" + status + "}");
        Assert.Equal([expected], Json.Fields(strategy.ValidateStatus(obj, obj)));
    }

    [Fact]
    public void ValidateStatus_Consistent_NoErrors()
    {
        var strategy = KindStrategies.Find("apps", "Deployment")!;
        var obj = Json.Parse("""{"status":{"observedGeneration":2,"replicas":3,"updatedReplicas":3,"readyReplicas":3,"availableReplicas":2,"unavailableReplicas":1}}""");
        Assert.Empty(strategy.ValidateStatus(obj, obj));
    }
}
