using System.Text.Json.Nodes;
using Capstan.Api.Kinds;

namespace Capstan.Api.Tests.Kinds;

public sealed class JobStrategyTests
{
    private static readonly IKindStrategy Strategy = KindStrategies.Find("batch", "Job")!;

    private static JsonObject Job(string spec = """{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"busybox"}]}}}""")
    {
        var obj = Json.Parse("""{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"pi","namespace":"default","uid":"u-1"},"spec":""" + spec + "}");
        Strategy.Default(obj);
        Strategy.PrepareForCreate(obj);
        return obj;
    }

    [Theory]
    [InlineData("spec.parallelism", "1")]
    [InlineData("spec.completions", "1")]
    [InlineData("spec.backoffLimit", "6")]
    [InlineData("spec.completionMode", "\"NonIndexed\"")]
    [InlineData("spec.suspend", "false")]
    [InlineData("spec.podReplacementPolicy", "\"TerminatingOrFailed\"")]
    [InlineData("spec.selector.matchLabels", "{\"batch.kubernetes.io/controller-uid\":\"u-1\"}")]
    [InlineData("spec.template.metadata.labels.job-name", "\"pi\"")]
    [InlineData("spec.template.metadata.labels.controller-uid", "\"u-1\"")]
    [InlineData("spec.template.spec.containers[0].imagePullPolicy", "\"Always\"")]
    [InlineData("metadata.labels.job-name", "\"pi\"")]
    public void Default_BareJob_GetsDefaults(string path, string expected)
    {
        var job = Job();
        Assert.Equal(expected, Json.Text(job, path));
        Assert.Empty(Strategy.Validate(job, null));
    }

    [Fact]
    public void Default_ParallelismOnly_CompletionsUnset()
    {
        var job = Job("""{"parallelism":3,"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"b"}]}}}""");
        Assert.Null(Json.At(job, "spec.completions"));
        Assert.Equal("3", Json.Text(job, "spec.parallelism"));
    }

    [Fact]
    public void Validate_DefaultRestartPolicy_Required()
    {
        var job = Job("""{"template":{"spec":{"containers":[{"name":"c","image":"b"}]}}}""");
        var err = Assert.Single(Strategy.Validate(job, null));
        Assert.Equal("spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\"", err.ToString());
    }

    [Theory]
    [InlineData("""{"completionMode":"Indexed","parallelism":2,"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"b"}]}}}""", "spec.completions:FieldValueRequired")]
    [InlineData("""{"backoffLimit":-1,"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"b"}]}}}""", "spec.backoffLimit:FieldValueInvalid")]
    [InlineData("""{"completionMode":"Sometimes","template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"b"}]}}}""", "spec.completionMode:FieldValueNotSupported")]
    [InlineData("""{"manualSelector":true,"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"b"}]}}}""", "spec.selector:FieldValueRequired")]
    [InlineData("""{"backoffLimitPerIndex":1,"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"b"}]}}}""", "spec.backoffLimitPerIndex:FieldValueInvalid")]
    [InlineData("""{"podFailurePolicy":{"rules":[]},"template":{"spec":{"restartPolicy":"OnFailure","containers":[{"name":"c","image":"b"}]}}}""", "spec.template.spec.restartPolicy:FieldValueInvalid")]
    public void Validate_BadJob(string spec, string expected) =>
        Assert.Contains(expected, Json.Fields(Strategy.Validate(Job(spec), null)));

    [Fact]
    public void ValidateUpdate_TemplateChanged_Immutable()
    {
        var old = Job();
        var job = (JsonObject)old.DeepClone();
        job["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = "other";
        Assert.Equal(["spec.template:FieldValueInvalid"], Json.Fields(Strategy.Validate(job, old)));
    }

    [Fact]
    public void ValidateUpdate_CompletionsChanged_Immutable()
    {
        var old = Job();
        var job = (JsonObject)old.DeepClone();
        job["spec"]!["completions"] = 5;
        Assert.Equal(["spec.completions:FieldValueInvalid"], Json.Fields(Strategy.Validate(job, old)));
    }

    [Fact]
    public void ValidateUpdate_SuspendedNodeSelectorChange_Allowed()
    {
        var old = Job("""{"suspend":true,"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"b"}]}}}""");
        var job = (JsonObject)old.DeepClone();
        job["spec"]!["template"]!["spec"]!["nodeSelector"] = new JsonObject { ["zone"] = "a" };
        Assert.Empty(Strategy.Validate(job, old));
    }
}
