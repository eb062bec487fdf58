using System.Text.Json.Nodes;
using Capstan.Api.Kinds;

namespace Capstan.Api.Tests.Kinds;

public sealed class CsiNodeStrategyTests
{
    private static readonly IKindStrategy CsiNode = KindStrategies.Find("storage.k8s.io", "CSINode")!;

    private static JsonObject Node(string drivers) => Json.Parse("""{"metadata":{"name":"n1"},"spec":{"drivers":""" + drivers + "}}");

    [Fact]
    public void Validate_DriverWithLimit_Valid() =>
        Assert.Empty(CsiNode.Validate(Node("""[{"name":"ebs.csi.aws.com","nodeID":"i-1","topologyKeys":["topology.ebs.csi.aws.com/zone"],"allocatable":{"count":25}}]"""), null));

    [Fact]
    public void Validate_NoDrivers_Valid() => Assert.Empty(CsiNode.Validate(Node("[]"), null));

    [Theory]
    [InlineData("""[{"nodeID":"i-1"}]""", "spec.drivers[0].name:FieldValueRequired")]
    [InlineData("""[{"name":"-bad-","nodeID":"i-1"}]""", "spec.drivers[0].name:FieldValueInvalid")]
    [InlineData("""[{"name":"d.example.com"}]""", "spec.drivers[0].nodeID:FieldValueRequired")]
    [InlineData("""[{"name":"d.example.com","nodeID":"i-1","allocatable":{"count":-1}}]""", "spec.drivers[0].allocatable.count:FieldValueInvalid")]
    [InlineData("""[{"name":"d.example.com","nodeID":"i-1"},{"name":"d.example.com","nodeID":"i-2"}]""", "spec.drivers[1].name:FieldValueDuplicate")]
    [InlineData("""[{"name":"d.example.com","nodeID":"i-1","topologyKeys":["a/b/c"]}]""", "spec.drivers[0].topologyKeys[0]:FieldValueInvalid")]
    public void Validate_Bad(string drivers, string expected) => Assert.Contains(expected, Json.Fields(CsiNode.Validate(Node(drivers), null)));

    [Fact]
    public void Validate_MissingSpec_Required() =>
        Assert.Contains("spec:FieldValueRequired", Json.Fields(CsiNode.Validate(Json.Parse("""{"metadata":{"name":"n1"}}"""), null)));

    [Fact]
    public void ValidateUpdate_RegisteredDriverIsFixed_NewDriversMayBeAdded()
    {
        var old = Node("""[{"name":"d.example.com","nodeID":"i-1","allocatable":{"count":5}}]""");
        Assert.Empty(CsiNode.Validate(Node("""[{"name":"d.example.com","nodeID":"i-1","allocatable":{"count":5}},{"name":"e.example.com","nodeID":"x"}]"""), old));
        Assert.Equal(
            ["spec.drivers[0].allocatable:FieldValueInvalid"],
            Json.Fields(CsiNode.Validate(Node("""[{"name":"d.example.com","nodeID":"i-1","allocatable":{"count":6}}]"""), old)));
    }
}
