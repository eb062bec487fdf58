using Capstan.Controllers.Deployment;

namespace Capstan.Controllers.Tests.Deployment;

public sealed class RolloutPlanTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void NewReplicaSetReplicas_RoomUnderMaxSurge_ScalesUpByThatMuch()
    {
        var old = new ReplicaSetView("old", 10, 10, T0);

        Assert.Equal(3, RolloutPlan.NewReplicaSetReplicas(10, 3, 0, [old]));
    }

    [Fact]
    public void NewReplicaSetReplicas_AtMaxSurge_StaysPut()
    {
        var old = new ReplicaSetView("old", 10, 10, T0);
        var @new = new ReplicaSetView("new", 3, 0, T0.AddMinutes(1));

        Assert.Equal(3, RolloutPlan.NewReplicaSetReplicas(10, 3, 3, [old, @new]));
    }

    [Fact]
    public void ScaleDownOld_WorkedExample_KeepsMinimumAvailable()
    {
        // 10 desired, maxUnavailable 2: 13 exist, the new 3 are unavailable, so 13 - 8 - 3 = 2 old pods may go.
        var old = new ReplicaSetView("old", 10, 10, T0);
        var @new = new ReplicaSetView("new", 3, 0, T0.AddMinutes(1));

        Assert.Equal([("old", 8)], RolloutPlan.ScaleDownOld(10, 2, @new, [old]));
    }

    [Fact]
    public void ScaleDownOld_UnhealthyOldPods_GoFirstAndFreely()
    {
        // The old RS has 5 pods of which 2 are available: the 3 unavailable ones cost nothing.
        var old = new ReplicaSetView("old", 5, 2, T0);
        var @new = new ReplicaSetView("new", 5, 5, T0.AddMinutes(1));

        Assert.Equal([("old", 0)], RolloutPlan.ScaleDownOld(5, 1, @new, [old]));
    }

    [Fact]
    public void ScaleDownOld_OldestFirst()
    {
        var older = new ReplicaSetView("a", 2, 2, T0);
        var newer = new ReplicaSetView("b", 2, 2, T0.AddMinutes(1));
        var @new = new ReplicaSetView("c", 0, 0, T0.AddMinutes(2));

        // 4 desired, maxUnavailable 1: 4 available, 3 must stay, so one pod goes, from the oldest.
        Assert.Equal([("a", 1)], RolloutPlan.ScaleDownOld(4, 1, @new, [newer, older]));
    }

    [Theory]
    [InlineData(0, 0, 0, 1)]
    [InlineData(1, 0, 1, 0)]
    [InlineData(0, 2, 0, 2)]
    public void ResolveFenceposts_BothZero_AllowsOneUnavailable(int surge, int unavailable, int expectedSurge, int expectedUnavailable) =>
        Assert.Equal((expectedSurge, expectedUnavailable), RolloutPlan.ResolveFenceposts(surge, unavailable));
}
