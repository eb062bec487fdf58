using Capstan.Controllers.StatefulSet;

namespace Capstan.Controllers.Tests.StatefulSet;

public sealed class StatefulSetOrdinalsTests
{
    [Theory]
    [InlineData("web", "web-0", 0)]
    [InlineData("web", "web-12", 12)]
    [InlineData("web", "web-", -1)]
    [InlineData("web", "web-01", -1)]
    [InlineData("web", "web-a", -1)]
    [InlineData("web", "webx-1", -1)]
    [InlineData("web", "other-1", -1)]
    [InlineData("my-set", "my-set-3", 3)]
    [InlineData("web", "web-99999999999", -1)]
    public void Parse_Name_ReturnsOrdinalOrMinusOne(string set, string pod, int expected) =>
        Assert.Equal(expected, StatefulSetOrdinals.Parse(set, pod));

    [Fact]
    public void PodName_RoundTripsThroughParse() => Assert.Equal(7, StatefulSetOrdinals.Parse("db", StatefulSetOrdinals.PodName("db", 7)));

    [Theory]
    [InlineData(3, 0, new[] { 2, 1, 0 })]
    [InlineData(3, 1, new[] { 2, 1 })]
    [InlineData(5, 3, new[] { 4, 3 })]
    [InlineData(3, 3, new int[0])]
    [InlineData(3, 7, new int[0])]
    public void UpdateOrder_Partition_HighestFirstDownToPartition(int replicas, int partition, int[] expected) =>
        Assert.Equal(expected, StatefulSetOrdinals.UpdateOrder(replicas, partition));
}
