using System.Text.Json.Nodes;
using Capstan.Controllers.EndpointSlice;

namespace Capstan.Controllers.Tests.EndpointSlice;

public sealed class SlicePlannerTests
{
    private static readonly JsonArray Ports = new(new JsonObject { ["name"] = "http", ["port"] = 8080, ["protocol"] = "TCP" });

    private static JsonObject Endpoint(int i, bool ready = true) => new()
    {
        ["addresses"] = new JsonArray($"10.0.{i / 256}.{i % 256}"),
        ["conditions"] = new JsonObject { ["ready"] = ready },
        ["targetRef"] = new JsonObject { ["kind"] = "Pod", ["uid"] = $"uid-{i}" },
    };

    private static SliceGroup Group(IEnumerable<int> ids, Func<int, bool>? ready = null) =>
        new("IPv4", Ports, [.. ids.Select(i => Endpoint(i, ready?.Invoke(i) ?? true)).Select(e => KeyValuePair.Create(SliceGroupKey.EndpointKey(e), e))]);

    private static JsonObject Slice(string name, IEnumerable<int> ids, JsonArray? ports = null) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = name, ["uid"] = name },
        ["addressType"] = "IPv4",
        ["ports"] = (ports ?? Ports).DeepClone(),
        ["endpoints"] = new JsonArray([.. ids.Select(i => (JsonNode)Endpoint(i))]),
    };

    private static int Count(JsonObject slice) => slice["endpoints"]!.AsArray().Count;

    [Fact]
    public void Plan_NoSlices_CreatesSlicesOfAtMostMax()
    {
        var plan = SlicePlanner.Plan([Group(Enumerable.Range(0, 250))], []);
        Assert.Equal([100, 100, 50], plan.Create.Select(Count));
        Assert.Empty(plan.Update);
        Assert.Empty(plan.Delete);
    }

    [Fact]
    public void Plan_NothingChanged_NoWrites()
    {
        var plan = SlicePlanner.Plan([Group(Enumerable.Range(0, 3))], [Slice("s1", Enumerable.Range(0, 3))]);
        Assert.Empty(plan.Create);
        Assert.Empty(plan.Update);
        Assert.Empty(plan.Delete);
        Assert.Single(plan.Unchanged);
    }

    [Fact]
    public void Plan_EndpointChanged_UpdatedInPlaceOnlyItsSlice()
    {
        var plan = SlicePlanner.Plan([Group(Enumerable.Range(0, 150), ready: i => i != 120)], [Slice("s1", Enumerable.Range(0, 100)), Slice("s2", Enumerable.Range(100, 50))]);
        var updated = Assert.Single(plan.Update);
        Assert.Equal("s2", updated["metadata"]!["name"]!.GetValue<string>());
        Assert.False(updated["endpoints"]![20]!["conditions"]!["ready"]!.GetValue<bool>());
        Assert.Empty(plan.Create);
        Assert.Empty(plan.Delete);
    }

    [Fact]
    public void Plan_NewEndpoint_GoesIntoExistingSliceWithRoom()
    {
        var plan = SlicePlanner.Plan([Group(Enumerable.Range(0, 4))], [Slice("s1", Enumerable.Range(0, 3))]);
        Assert.Equal(4, Count(Assert.Single(plan.Update)));
        Assert.Empty(plan.Create);
    }

    [Fact]
    public void Plan_AllEndpointsOfSliceGone_SliceDeleted()
    {
        var plan = SlicePlanner.Plan([Group(Enumerable.Range(0, 3))], [Slice("s1", Enumerable.Range(0, 3)), Slice("s2", Enumerable.Range(10, 2))]);
        Assert.Equal("s2", Assert.Single(plan.Delete)["metadata"]!["name"]!.GetValue<string>());
        Assert.Empty(plan.Update);
    }

    [Fact]
    public void Plan_PortsChanged_NewSliceOldDeleted()
    {
        var oldPorts = new JsonArray(new JsonObject { ["name"] = "http", ["port"] = 80, ["protocol"] = "TCP" });
        var plan = SlicePlanner.Plan([Group(Enumerable.Range(0, 2))], [Slice("s1", Enumerable.Range(0, 2), oldPorts)]);
        Assert.Single(plan.Create);
        Assert.Single(plan.Delete);
    }

    [Fact]
    public void Plan_NoEndpoints_OnePlaceholderKeptOrCreated()
    {
        var created = SlicePlanner.Plan([], [Slice("s1", [0])]);
        Assert.Single(created.Delete);
        Assert.True(SlicePlanner.IsPlaceholder(Assert.Single(created.Create)));

        var placeholder = new JsonObject { ["metadata"] = new JsonObject { ["name"] = "p" }, ["addressType"] = "IPv4", ["endpoints"] = new JsonArray() };
        var kept = SlicePlanner.Plan([], [placeholder]);
        Assert.Empty(kept.Create);
        Assert.Empty(kept.Delete);
        Assert.Single(kept.Unchanged);
    }

    [Fact]
    public void Plan_EndpointsAppear_PlaceholderDeleted()
    {
        var placeholder = new JsonObject { ["metadata"] = new JsonObject { ["name"] = "p" }, ["addressType"] = "IPv4", ["endpoints"] = new JsonArray() };
        var plan = SlicePlanner.Plan([Group([0])], [placeholder]);
        Assert.Single(plan.Create);
        Assert.Single(plan.Delete);
    }
}
