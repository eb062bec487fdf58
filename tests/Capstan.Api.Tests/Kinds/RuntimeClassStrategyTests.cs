using Capstan.Api.Kinds;

namespace Capstan.Api.Tests.Kinds;

public sealed class RuntimeClassStrategyTests
{
    private static readonly IKindStrategy RuntimeClass = KindStrategies.Find("node.k8s.io", "RuntimeClass")!;

    private static System.Text.Json.Nodes.JsonObject Class(string fields) => Json.Parse("""{"metadata":{"name":"kata"},""" + fields + "}");

    [Fact]
    public void Validate_HandlerOverheadAndScheduling_Valid() =>
        Assert.Empty(RuntimeClass.Validate(Class("""
            "handler":"kata","overhead":{"podFixed":{"cpu":"250m","memory":"120Mi"}},
            "scheduling":{"nodeSelector":{"runtime":"kata"},"tolerations":[{"key":"kata","operator":"Exists","effect":"NoSchedule"}]}
            """), null));

    [Theory]
    [InlineData("\"handler\":\"\"", "handler:FieldValueInvalid")]
    [InlineData("\"handler\":\"Kata_VM\"", "handler:FieldValueInvalid")]
    [InlineData("\"handler\":\"kata\",\"overhead\":{\"podFixed\":{\"cpu\":\"-1\"}}", "overhead.podFixed[cpu]:FieldValueInvalid")]
    [InlineData("\"handler\":\"kata\",\"overhead\":{\"podFixed\":{\"cpu\":\"lots\"}}", "overhead.podFixed[cpu]:FieldValueInvalid")]
    [InlineData("\"handler\":\"kata\",\"scheduling\":{\"nodeSelector\":{\"a/b/c\":\"x\"}}", "scheduling.nodeSelector:FieldValueInvalid")]
    [InlineData("\"handler\":\"kata\",\"scheduling\":{\"tolerations\":[{\"operator\":\"Equal\",\"value\":\"x\"}]}", "scheduling.tolerations[0].operator:FieldValueInvalid")]
    public void Validate_Bad(string fields, string expected) => Assert.Contains(expected, Json.Fields(RuntimeClass.Validate(Class(fields), null)));

    [Fact]
    public void ValidateUpdate_HandlerIsFixed()
    {
        var old = Class("\"handler\":\"kata\"");

        Assert.Empty(RuntimeClass.Validate(Class("\"handler\":\"kata\",\"overhead\":{\"podFixed\":{\"cpu\":\"1\"}}"), old));
        Assert.Equal(["handler:FieldValueInvalid"], Json.Fields(RuntimeClass.Validate(Class("\"handler\":\"runc\""), old)));
    }
}
