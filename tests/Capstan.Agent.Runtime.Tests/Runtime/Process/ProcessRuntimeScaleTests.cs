using System.Diagnostics;
using Capstan.Agent.Runtime;
using Xunit.Abstractions;

namespace Capstan.Agent.Runtime.Tests.Runtime.Process;

public sealed class ProcessRuntimeScaleTests(ITestOutputHelper output)
{
    /// <summary>Prints sandbox and create+start latencies (figures for the issue note; nothing is asserted on time).</summary>
    [Theory]
    [Trait("Category", "Slow")]
    [InlineData(true)]
    [InlineData(false)]
    public async Task StartContainer_HundredPods_AllRunning(bool isolated)
    {
        using var harness = new RuntimeHarness(o => isolated ? o : o with { UseNamespaces = false, UseCgroups = false });
        var runtime = harness.Runtime;
        var sandboxTimes = new List<double>();
        var startTimes = new List<double>();
        var ids = new List<string>();
        var total = Stopwatch.StartNew();
        for (var i = 0; i < 100; i++)
        {
            var watch = Stopwatch.StartNew();
            var sandbox = await runtime.RunPodSandboxAsync(RuntimeHarness.Pod(harness.Root, $"p{i}"), CancellationToken.None);
            sandboxTimes.Add(watch.Elapsed.TotalMilliseconds);
            watch.Restart();
            var id = await runtime.CreateContainerAsync(sandbox.Id, harness.Container("exec sleep 300", $"c{i}"), CancellationToken.None);
            await runtime.StartContainerAsync(id, CancellationToken.None);
            startTimes.Add(watch.Elapsed.TotalMilliseconds);
            ids.Add(id);
        }

        output.WriteLine($"load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}, namespaces={runtime.NamespacesEnabled} cgroups={runtime.CgroupsEnabled} total={total.ElapsedMilliseconds} ms for 100 pods");
        output.WriteLine($"sandbox ms: p50={Percentile(sandboxTimes, 50):F1} p99={Percentile(sandboxTimes, 99):F1}");
        output.WriteLine($"create+start ms: p50={Percentile(startTimes, 50):F1} p99={Percentile(startTimes, 99):F1}");
        var statuses = await runtime.ListContainersAsync(null, CancellationToken.None);
        Assert.Equal(100, statuses.Count(s => s.State == ContainerState.Running));
    }

    private static double Percentile(List<double> values, int p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, sorted.Count * p / 100)];
    }
}
