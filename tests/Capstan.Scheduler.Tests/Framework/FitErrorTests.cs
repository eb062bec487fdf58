using Capstan.Scheduler.Framework;

namespace Capstan.Scheduler.Tests.Framework;

public sealed class FitErrorTests
{
    [Fact]
    public void Message_NoNodes_SaysNoNodesAvailable()
    {
        Assert.Equal("no nodes available to schedule pods", new FitError(0, new Dictionary<string, FilterStatus>()).Message);
    }

    [Fact]
    public void Message_MixedReasons_SortedHistogramWithPreemption()
    {
        var statuses = new Dictionary<string, FilterStatus>
        {
            ["n1"] = FilterStatus.Unschedulable("NodeResourcesFit", "Insufficient cpu"),
            ["n2"] = FilterStatus.Unresolvable("NodeAffinity", "node(s) didn't match Pod's node affinity/selector"),
            ["n3"] = FilterStatus.Unresolvable("NodeAffinity", "node(s) didn't match Pod's node affinity/selector"),
        };

        var error = new FitError(3, statuses, "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.");

        Assert.Equal(
            "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
            error.Message);
    }

    [Fact]
    public void Histogram_SeveralReasonsOnOneNode_EachCounted()
    {
        var statuses = new[]
        {
            FilterStatus.Unschedulable("NodeResourcesFit", "Insufficient cpu", "Insufficient memory"),
            FilterStatus.Unschedulable("NodeResourcesFit", "Insufficient memory"),
        };

        Assert.Equal("1 Insufficient cpu, 2 Insufficient memory", FitError.Histogram(statuses));
    }

    [Fact]
    public void Histogram_SortsAsStrings_LikeKubernetes()
    {
        // Go's sort.Strings on "count reason": "10 ..." sorts before "2 ...".
        var statuses = Enumerable.Repeat(FilterStatus.Unresolvable("NodeUnschedulable", "node(s) were unschedulable"), 10)
            .Concat(Enumerable.Repeat(FilterStatus.Unschedulable("NodeResourcesFit", "Insufficient cpu"), 2));

        Assert.Equal("10 node(s) were unschedulable, 2 Insufficient cpu", FitError.Histogram(statuses));
    }
}
