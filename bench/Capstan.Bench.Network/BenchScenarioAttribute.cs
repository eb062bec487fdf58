namespace Capstan.Bench.Network;

/// <summary>
/// Marks a static class as a scenario named <see cref="Name"/> for <c>--only</c>. The class has
/// <c>public static Task RunAsync(BenchOptions options, CancellationToken ct)</c>; Program finds it by reflection, so a
/// new scenario is one new file.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class BenchScenarioAttribute(string name, int order) : Attribute
{
    public string Name { get; } = name;

    /// <summary>Position in a run of every scenario.</summary>
    public int Order { get; } = order;
}
