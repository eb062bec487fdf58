using Capstan.Controllers.Deployment;

namespace Capstan.Controllers.Tests.Deployment;

public sealed class ProportionalScalingTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Scale_Doubled_SharesByAnnotatedSize()
    {
        // 10 → 20, maxSurge 3: both annotated 13; the old 8 becomes 14 (8·23/13), the new 5 becomes 9.
        var old = new ScalingView("old", 8, 13, T0);
        var @new = new ScalingView("new", 5, 13, T0.AddMinutes(1));

        var sizes = ProportionalScaling.Scale(20, 3, 13, [old, @new]);

        Assert.Equal([("old", 14), ("new", 9)], sizes);
    }

    [Fact]
    public void Scale_Halved_SharesTheRemoval()
    {
        // 10 → 5, maxSurge 3 (now 2 of 5 rounded up): 8 → round(8·7/13) = 4, 5 → round(5·7/13) = 3; 7 allowed, 7 kept.
        var old = new ScalingView("old", 8, 13, T0);
        var @new = new ScalingView("new", 5, 13, T0.AddMinutes(1));

        var sizes = ProportionalScaling.Scale(5, 2, 13, [old, @new]);

        Assert.Equal([("old", 4), ("new", 3)], sizes);
    }

    [Fact]
    public void Scale_RoundingLeftover_GoesToTheLargest()
    {
        // 3 → 4 with maxSurge 0, three RSs of 1 annotated 3: each 1·4/3 rounds to 1, the one added goes to the newest (a tie when adding).
        var a = new ScalingView("a", 1, 3, T0);
        var b = new ScalingView("b", 1, 3, T0.AddMinutes(1));
        var c = new ScalingView("c", 1, 3, T0.AddMinutes(2));

        var sizes = ProportionalScaling.Scale(4, 0, 3, [a, b, c]);

        Assert.Equal([("c", 2)], sizes);
    }

    [Fact]
    public void Scale_ToZero_EmptiesAll()
    {
        var old = new ScalingView("old", 8, 13, T0);
        var @new = new ScalingView("new", 5, 13, T0.AddMinutes(1));

        var sizes = ProportionalScaling.Scale(0, 0, 13, [old, @new]);

        Assert.Equal([("old", 0), ("new", 0)], sizes);
    }

    [Fact]
    public void Scale_NoAnnotation_UsesStatusReplicas()
    {
        var old = new ScalingView("old", 6, null, T0);
        var @new = new ScalingView("new", 6, null, T0.AddMinutes(1));

        var sizes = ProportionalScaling.Scale(24, 0, 12, [old, @new]);

        Assert.Equal([("new", 12), ("old", 12)], sizes);
    }

    [Fact]
    public void Scale_AlreadyAllowed_ChangesNothing()
    {
        var old = new ScalingView("old", 8, 13, T0);
        var @new = new ScalingView("new", 5, 13, T0.AddMinutes(1));

        Assert.Empty(ProportionalScaling.Scale(10, 3, 13, [old, @new]));
    }
}
