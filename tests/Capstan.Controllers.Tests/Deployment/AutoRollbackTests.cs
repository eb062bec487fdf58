using System.Text.Json.Nodes;
using Capstan.Controllers.Deployment;

namespace Capstan.Controllers.Tests.Deployment;

public sealed class AutoRollbackTests
{
    [Theory]
    [InlineData(null, false, false)]
    [InlineData(null, true, true)]
    [InlineData("true", false, true)]
    [InlineData("false", true, false)]
    public void IsEnabled_AnnotationOverridesDefault(string? annotation, bool byDefault, bool expected)
    {
        var d = Deployment(annotation is null ? [] : new() { [AutoRollback.EnabledAnnotation] = annotation });

        Assert.Equal(expected, AutoRollback.IsEnabled(d, byDefault));
    }

    [Fact]
    public void MaxRestarts_DefaultAndAnnotation()
    {
        Assert.Equal(3, AutoRollback.MaxRestarts(Deployment([])));
        Assert.Equal(5, AutoRollback.MaxRestarts(Deployment(new() { [AutoRollback.MaxRestartsAnnotation] = "5" })));
        Assert.Equal(3, AutoRollback.MaxRestarts(Deployment(new() { [AutoRollback.MaxRestartsAnnotation] = "x" })));
    }

    [Fact]
    public void FindTarget_NewestOlderRevisionNotFailed()
    {
        var r1 = ReplicaSet("web-a", 1);
        var r2 = ReplicaSet("web-b", 2);
        var r3 = ReplicaSet("web-c", 3, failed: true);
        var current = ReplicaSet("web-d", 4);

        Assert.Same(r2, AutoRollback.FindTarget(current, [r1, r3, r2]));
    }

    [Fact]
    public void FindTarget_NoOlderRevision_Null()
    {
        Assert.Null(AutoRollback.FindTarget(ReplicaSet("web-a", 1), []));
    }

    [Fact]
    public void FailureReason_RestartsAtThreshold_NamesThePod()
    {
        var rs = ReplicaSet("web-b", 2);
        var pods = new[] { Pod("web-b-1", 1), Pod("web-b-2", 3) };

        Assert.Equal("pod \"web-b-2\" of ReplicaSet \"web-b\" restarted 3 times", AutoRollback.FailureReason([], rs, pods, 3));
        Assert.Null(AutoRollback.FailureReason([], rs, pods, 4));
    }

    [Fact]
    public void FailureReason_DeadlineExceeded()
    {
        var conditions = new JsonArray(new JsonObject { ["type"] = "Progressing", ["status"] = "False", ["reason"] = "ProgressDeadlineExceeded" });

        Assert.Equal("ReplicaSet \"web-b\" has timed out progressing", AutoRollback.FailureReason(conditions, ReplicaSet("web-b", 2), [], 3));
    }

    [Fact]
    public void TemplateOf_DropsPodTemplateHash()
    {
        var template = AutoRollback.TemplateOf(ReplicaSet("web-a", 1));

        Assert.Equal("""{"metadata":{"labels":{"app":"web"}}}""", template.ToJsonString());
    }

    [Fact]
    public void IsRollbackTarget_CurrentIsWhatWeRolledBackTo_True()
    {
        var d = Deployment(new() { [AutoRollback.RolledBackToAnnotation] = "a" });

        Assert.True(AutoRollback.IsRollbackTarget(d, ReplicaSet("web-a", 3)));
        Assert.False(AutoRollback.IsRollbackTarget(d, ReplicaSet("web-b", 4)));
    }

    private static JsonObject Deployment(Dictionary<string, string> annotations) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = "web", ["annotations"] = new JsonObject([.. annotations.Select(a => KeyValuePair.Create(a.Key, (JsonNode?)a.Value))]) },
    };

    private static JsonObject ReplicaSet(string name, long revision, bool failed = false)
    {
        var annotations = new JsonObject { [DeploymentController.RevisionAnnotation] = revision.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (failed)
        {
            annotations[AutoRollback.FailedAnnotation] = "crashed";
        }

        var hash = name[(name.LastIndexOf('-') + 1)..];
        return new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = name, ["annotations"] = annotations, ["labels"] = new JsonObject { ["pod-template-hash"] = hash } },
            ["spec"] = new JsonObject { ["template"] = new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = "web", ["pod-template-hash"] = hash } } } },
        };
    }

    private static JsonObject Pod(string name, int restarts) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = name },
        ["status"] = new JsonObject { ["containerStatuses"] = new JsonArray(new JsonObject { ["name"] = "c", ["restartCount"] = restarts }) },
    };
}
