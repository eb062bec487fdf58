using Capstan.Api.Registry;
using Capstan.ApiServer.Protobuf;

namespace Capstan.ApiServer.Tests.Protobuf;

public sealed class ProtoSchemaTests
{
    [Fact]
    public void FindRoot_EveryServedKind_HasAMessage()
    {
        // Capstan's own kinds (rollouts.capstan.io) are JSON-only, as custom resources are in Kubernetes.
        var missing = ResourceRegistry.BuiltIn.Resources
            .Where(r => !r.Group.EndsWith(".capstan.io", StringComparison.Ordinal))
            .Select(r => (ApiVersion: r.Group.Length == 0 ? r.Version : $"{r.Group}/{r.Version}", r.Kind))
            .Where(r => ProtoSchema.FindRoot(r.ApiVersion, r.Kind) is not { } name || ProtoSchema.FindMessage(name) is null)
            .ToArray();

        Assert.Empty(missing);
    }

    [Theory]
    [InlineData("policy/v1", "Eviction", "policy.v1.Eviction")]
    [InlineData("autoscaling/v1", "Scale", "autoscaling.v1.Scale")]
    [InlineData("v1", "Binding", "core.v1.Binding")]
    [InlineData("authentication.k8s.io/v1", "TokenRequest", "authentication.v1.TokenRequest")]
    [InlineData("v1", "DeleteOptions", "meta.v1.DeleteOptions")]
    [InlineData("v1", "Event", "core.v1.Event")]
    [InlineData("events.k8s.io/v1", "Event", "events.v1.Event")]
    [InlineData("", "ConfigMap", "core.v1.ConfigMap")]
    public void FindRoot_SubresourceAndAmbiguousKinds_Resolve(string apiVersion, string kind, string expected)
    {
        Assert.Equal(expected, ProtoSchema.FindRoot(apiVersion, kind));
    }

    [Fact]
    public void FindRoot_KindInTwoGroupsWithoutApiVersion_IsNull()
    {
        Assert.Null(ProtoSchema.FindRoot("", "Event"));
    }

    [Fact]
    public void AllMessages_EveryReferencedMessage_IsInTheTable()
    {
        var dangling = ProtoSchema.AllMessages
            .SelectMany(m => m.Fields.Values.Select(f => (m.Name, f.JsonName, f.MessageName)))
            .Where(f => f.MessageName is { } name && ProtoSchema.FindMessage(name) is null && !ProtoSchema.IsSpecial(name))
            .ToArray();

        Assert.Empty(dangling);
    }
}
