using Capstan.Api.Kinds;
using Capstan.Api.Registry;

namespace Capstan.Api.Tests.Kinds;

public sealed class KindStrategiesTests
{
    public static TheoryData<string, string> RegistryKinds()
    {
        var data = new TheoryData<string, string>();
        foreach (var r in ResourceRegistry.BuiltIn.Resources)
        {
            data.Add(r.Group, r.Kind);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(RegistryKinds))]
    public void Find_EveryRegistryKind_HasStrategy(string group, string kind)
    {
        var strategy = KindStrategies.Find(group, kind);
        Assert.NotNull(strategy);
        Assert.Equal((group, kind), (strategy.Group, strategy.Kind));
    }

    [Theory]
    [MemberData(nameof(RegistryKinds))]
    public void Default_EmptyObject_DoesNotThrow(string group, string kind)
    {
        var obj = Json.Parse("""{"metadata":{"name":"x","namespace":"default"}}""");
        var strategy = KindStrategies.Find(group, kind)!;
        strategy.Default(obj);
        _ = strategy.Validate(obj, null).ToList();
        _ = strategy.Validate(obj, (System.Text.Json.Nodes.JsonObject)obj.DeepClone()).ToList();
        strategy.PrepareForCreate(obj);
    }

    [Fact]
    public void Find_UnknownKind_Null() => Assert.Null(KindStrategies.Find("example.com", "Widget"));

    [Fact]
    public void Find_ServiceAccount_DefaultStrategy() => Assert.IsType<DefaultKindStrategy>(KindStrategies.Find("", "ServiceAccount"));
}
