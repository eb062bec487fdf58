namespace Capstan.Scheduler.Framework;

/// <summary>
/// NodeResourcesFit's scoringStrategy: LeastAllocated (spread), MostAllocated (bin packing) or RequestedToCapacityRatio
/// (a piecewise-linear <see cref="Shape"/> of utilisation 0..100 to score 0..10), over weighted resources.
/// </summary>
public sealed record ScoringStrategy(string Type, IReadOnlyList<(string Name, int Weight)> Resources, IReadOnlyList<(int Utilization, int Score)> Shape)
{
    public const string LeastAllocated = "LeastAllocated";
    public const string MostAllocated = "MostAllocated";
    public const string RequestedToCapacityRatio = "RequestedToCapacityRatio";

    public static IReadOnlyList<(string Name, int Weight)> DefaultResources { get; } = [("cpu", 1), ("memory", 1)];

    public static ScoringStrategy Default { get; } = new(LeastAllocated, DefaultResources, []);

    /// <summary>The score 0..100 of using <paramref name="requested"/> of <paramref name="allocatable"/> of one resource.</summary>
    public long ResourceScore(long requested, long allocatable)
    {
        switch (Type)
        {
            case MostAllocated:
                return requested > allocatable ? IScorePlugin.MaxNodeScore : requested * IScorePlugin.MaxNodeScore / allocatable;
            case RequestedToCapacityRatio:
                var utilization = requested >= allocatable ? 100 : requested * 100 / allocatable;
                return Interpolate(utilization) * IScorePlugin.MaxNodeScore / 10;
            default:
                return requested > allocatable ? 0 : (allocatable - requested) * IScorePlugin.MaxNodeScore / allocatable;
        }
    }

    // Between shape points the score is linear; before the first and after the last it is flat. Example with
    // {0→0, 100→10}: utilisation 50 → 5.
    private long Interpolate(long utilization)
    {
        if (Shape.Count == 0)
        {
            return 0;
        }

        if (utilization <= Shape[0].Utilization)
        {
            return Shape[0].Score;
        }

        for (var i = 1; i < Shape.Count; i++)
        {
            var (u1, s1) = Shape[i];
            if (utilization <= u1)
            {
                var (u0, s0) = Shape[i - 1];
                return s0 + ((s1 - s0) * (utilization - u0) / Math.Max(1, u1 - u0));
            }
        }

        return Shape[^1].Score;
    }
}
