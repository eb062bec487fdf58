using System.Globalization;
using Capstan.Bench.Network;

// Network benchmarks: each scenario runs Capstan's component and its standalone peer under the same wrk load and
// prints the figures side by side. `--only ingress` (comma-separated or repeated) picks scenarios.
var options = BenchOptions.Parse(args);
if (options is null)
{
    Console.Error.WriteLine("usage: Capstan.Bench.Network [--only ingress] [--capstan PATH] [--duration S] [--connections N] [--threads N] [--rounds N] [--work-dir DIR]");
    return 2;
}

var failed = false;
if (options.Runs("ingress"))
{
    failed |= !await IngressScenario.RunAsync(options, CancellationToken.None);
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"done{(failed ? " (with failures)" : "")}"));
return failed ? 1 : 0;
