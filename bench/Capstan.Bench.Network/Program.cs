using System.Reflection;
using Capstan.Bench.Network;

// capstan network benchmarks: `dotnet run -c Release --project bench/Capstan.Bench.Network -- [--only proxy,dns,ingress] ...`
// Scenarios are the classes marked [BenchScenario]; see bench/README.md.
var options = BenchOptions.Parse(args);
for (var i = 0; i < args.Length - 1; i++)
{
    if (args[i] == "--capstan-env" && args[i + 1].Split('=', 2) is [var key, var value])
    {
        Capstan.Bench.Network.Processes.CapstanServer.Environment[key] = value;
    }
}
var scenarios = typeof(BenchOptions).Assembly.GetTypes()
    .Select(t => (Type: t, Attribute: t.GetCustomAttribute<BenchScenarioAttribute>()))
    .Where(s => s.Attribute is not null)
    .OrderBy(s => s.Attribute!.Order)
    .ToDictionary(
        s => s.Attribute!.Name,
        s => (Func<BenchOptions, CancellationToken, Task>)s.Type.GetMethod("RunAsync", BindingFlags.Public | BindingFlags.Static)!.CreateDelegate(typeof(Func<BenchOptions, CancellationToken, Task>)),
        StringComparer.OrdinalIgnoreCase);

var selected = options.Only.Count > 0 ? options.Only : [.. scenarios.Keys];
foreach (var name in selected.Where(n => !scenarios.ContainsKey(n)))
{
    Console.Error.WriteLine($"unknown scenario {name}; known: {string.Join(", ", scenarios.Keys)}");
    return 2;
}

using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cts.Cancel();
};
foreach (var name in selected)
{
    Console.WriteLine($"== {name} ==");
    await scenarios[name](options, cts.Token);
    Console.WriteLine();
}

return 0;
