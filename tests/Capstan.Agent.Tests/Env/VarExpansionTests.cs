using Capstan.Agent.Env;

namespace Capstan.Agent.Tests.Env;

public sealed class VarExpansionTests
{
    private static readonly Dictionary<string, string> Vars = new() { ["A"] = "alpha", ["B"] = "beta", ["EMPTY"] = "" };

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("$(A)", "alpha")]
    [InlineData("x-$(A)-$(B)-y", "x-alpha-beta-y")]
    [InlineData("$(EMPTY)", "")]
    [InlineData("$(UNKNOWN)", "$(UNKNOWN)")]
    [InlineData("$$(A)", "$(A)")]
    [InlineData("$$$(A)", "$alpha")]
    [InlineData("$$", "$")]
    [InlineData("$(A", "$(A")]
    [InlineData("$A", "$A")]
    [InlineData("a$", "a$")]
    [InlineData("$()", "$()")]
    [InlineData("$(A)$(B)", "alphabeta")]
    public void Expand_KubernetesRules_Expected(string input, string expected) =>
        Assert.Equal(expected, VarExpansion.Expand(input, n => Vars.GetValueOrDefault(n)));
}
