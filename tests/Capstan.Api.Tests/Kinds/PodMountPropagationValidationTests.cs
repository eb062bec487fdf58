using System.Text.Json.Nodes;
using Capstan.Api.Kinds;

namespace Capstan.Api.Tests.Kinds;

/// <summary>volumeMounts[].mountPropagation: Bidirectional only for privileged containers, as Kubernetes validates it.</summary>
public sealed class PodMountPropagationValidationTests
{
    private static readonly IKindStrategy Strategy = KindStrategies.Find("", "Pod")!;

    private static JsonObject Pod(string propagation, string securityContext = "")
    {
        var pod = Json.Parse($$$"""
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default"},"spec":{
          "containers":[{"name":"c","image":"busybox",{{{securityContext}}}"volumeMounts":[{"name":"v","mountPath":"/v","mountPropagation":"{{{propagation}}}"}]}],
          "volumes":[{"name":"v","hostPath":{"path":"/mnt"}}]}}
        """);
        Strategy.Default(pod);
        return pod;
    }

    [Theory]
    [InlineData("None")]
    [InlineData("HostToContainer")]
    public void Validate_NonBidirectional_Allowed(string propagation) => Assert.Empty(Strategy.Validate(Pod(propagation), null));

    [Fact]
    public void Validate_BidirectionalUnprivileged_ForbiddenWithKubernetesMessage()
    {
        var error = Assert.Single(Strategy.Validate(Pod("Bidirectional"), null));

        Assert.Equal("spec.containers[0].volumeMounts[0].mountPropagation: Forbidden: Bidirectional mount propagation is available only to privileged containers", error.ToString());
    }

    [Fact]
    public void Validate_BidirectionalPrivileged_Allowed() =>
        Assert.Empty(Strategy.Validate(Pod("Bidirectional", "\"securityContext\":{\"privileged\":true},"), null));
}
