using System.CommandLine;
using System.Globalization;
using Capstan.Bench.Workloads;
using Capstan.Bench.Workloads.Processes;
using Capstan.Bench.Workloads.Reporting;
using Capstan.Bench.Workloads.Scenarios;

var capstan = new Option<string?>("--capstan") { Description = "capstan apphost or capstan.dll (default: src/Capstan/bin/Release/net10.0/capstan of this checkout)" };
var testServer = new Option<string?>("--testserver") { Description = "capstan-testserver binary (default: artifacts/testserver/capstan-testserver of this checkout; scripts/build-testserver.sh builds it)" };
var runs = new Option<int>("--runs") { Description = "pod-start runs (medians reported)", DefaultValueFactory = _ => 3 };
var replicas = new Option<int>("--replicas") { Description = "replicas of the pod-start Deployment", DefaultValueFactory = _ => 100 };
var crashes = new Option<int>("--crashes") { Description = "first crashes measured (one per pod)", DefaultValueFactory = _ => 5 };
var nodeReplicas = new Option<int>("--node-replicas") { Description = "replicas on the node that dies", DefaultValueFactory = _ => 6 };
var separateAgent = new Option<bool>("--separate-agent") { Description = "pod start: run the agent as its own process (server --disable-agent + capstan agent) to split the CPU figures" };
var capstanEnv = new Option<string[]>("--capstan-env") { Description = "NAME=VALUE added to every capstan process's environment, for experiments (repeatable)" };
var timeout = new Option<double>("--timeout") { Description = "seconds every wait is bounded by", DefaultValueFactory = _ => 60 };
var workDir = new Option<string?>("--work-dir") { Description = "where the temporary data dirs and logs go (default: a new folder under /tmp)" };
var keep = new Option<bool>("--keep-data") { Description = "keep the data dirs and logs afterwards" };
var only = new Option<string[]>("--only") { Description = "scenarios to run: start, crash, node, storage, floor (repeatable; default all)", AllowMultipleArgumentsPerToken = true };

var root = new RootCommand("Scenario benchmark: pod start, crash restart and node death on capstan's process runtime.")
{
    capstan, testServer, runs, replicas, crashes, nodeReplicas, separateAgent, capstanEnv, timeout, workDir, keep, only,
};
root.SetAction(async (parse, ct) =>
{
    var checkout = Checkout();
    var capstanPath = parse.GetValue(capstan) ?? (checkout is null ? null : Path.Combine(checkout, "src", "Capstan", "bin", "Release", "net10.0", "capstan"));
    if (capstanPath is null || !File.Exists(capstanPath))
    {
        Console.Error.WriteLine($"capstan binary not found ({capstanPath ?? "no checkout found"}); build it with `dotnet build src/Capstan -c Release` or pass --capstan");
        return 2;
    }

    var testServerPath = parse.GetValue(testServer) ?? (checkout is null ? null : Path.Combine(checkout, "artifacts", "testserver", "capstan-testserver"));
    if (testServerPath is null || !File.Exists(testServerPath))
    {
        Console.Error.WriteLine($"test server not found ({testServerPath ?? "no checkout found"}); build it with `scripts/build-testserver.sh` or pass --testserver");
        return 2;
    }

    var scenarios = (parse.GetValue(only) ?? []).SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
    var options = new WorkloadOptions
    {
        CapstanPath = Path.GetFullPath(capstanPath),
        TestServerPath = Path.GetFullPath(testServerPath),
        WorkDir = parse.GetValue(workDir) ?? Path.Combine(Path.GetTempPath(), "capstan-workloads-" + Guid.NewGuid().ToString("N")[..8]),
        KeepData = parse.GetValue(keep),
        Runs = Math.Clamp(parse.GetValue(runs), 1, 20),
        Replicas = Math.Clamp(parse.GetValue(replicas), 1, 105),
        Crashes = Math.Clamp(parse.GetValue(crashes), 1, 20),
        NodeReplicas = Math.Clamp(parse.GetValue(nodeReplicas), 1, 100),
        SeparateAgent = parse.GetValue(separateAgent),
        Timeout = TimeSpan.FromSeconds(Math.Clamp(parse.GetValue(timeout), 5, 600)),
        Scenarios = scenarios.Count == 0
            ? new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "start", "crash", "node", "storage", "floor" }
            : new HashSet<string>(scenarios, StringComparer.OrdinalIgnoreCase),
    };

    CapstanProcess.Environment = (parse.GetValue(capstanEnv) ?? []).Select(e => e.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
    Console.WriteLine($"capstan:    {options.CapstanPath}{(CapstanProcess.Environment.Count == 0 ? "" : " with " + string.Join(' ', CapstanProcess.Environment.Select(kv => $"{kv.Key}={kv.Value}")))}");
    Console.WriteLine($"testserver: {options.TestServerPath}");
    Console.WriteLine($"machine:    {Environment.ProcessorCount} CPUs, .NET {Environment.Version}, load average {ProcessCpu.LoadAverage()}, {DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC");
    Console.WriteLine($"data and logs under {options.WorkDir}{(options.KeepData ? " (kept)" : " (removed at the end; --keep-data keeps them)")}");
    Directory.CreateDirectory(options.WorkDir);
    var report = new ScenarioReport();
    try
    {
        (string Key, string Title, Func<Task> Run)[] all =
        [
            ("start", $"pod start: Deployment of {options.Replicas}, {options.Runs} run(s)", () => new PodStartScenario(options, Console.Out).RunAsync(report, ct)),
            ("crash", $"crash to running again: {options.Crashes} first crashes and one second crash", () => new CrashRestartScenario(options, Console.Out).RunAsync(report, ct)),
            ("node", $"node death: {options.NodeReplicas} pods on a second agent that is SIGKILLed", () => new NodeDeathScenario(options, Console.Out).RunAsync(report, ct)),
            ("floor", $"floor: the process runtime alone starting 37 and {options.Replicas} test servers at once, {options.Runs} run(s) each", () => new FloorScenario(options, Console.Out).RunAsync(report, ct)),
            ("storage", $"storage: claim + pod to Running ({options.Runs} run(s)), StatefulSets of 10 with claims", () => new StorageScenario(options, Console.Out).RunAsync(report, ct)),
        ];
        foreach (var (key, title, run) in all.Where(s => options.Scenarios.Contains(s.Key)))
        {
            Console.WriteLine($"{title} …");
            try
            {
                await run().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                report.Fail(key, $"{ex.GetType().Name}: {ex.Message}");
                Console.Error.WriteLine($"{key}: {ex}");
            }
        }
    }
    finally
    {
        if (!options.KeepData)
        {
            try
            {
                Directory.Delete(options.WorkDir, recursive: true);
            }
            catch (IOException ex)
            {
                Console.Error.WriteLine($"could not remove {options.WorkDir}: {ex.Message}");
            }
        }
    }

    Console.WriteLine($"load average at the end: {ProcessCpu.LoadAverage()}");
    Console.WriteLine();
    ReportTable.Print(Console.Out, report.Rows);
    foreach (var note in report.Notes)
    {
        Console.WriteLine(note);
    }

    foreach (var failure in report.Failures)
    {
        Console.WriteLine($"failed: {failure}");
    }

    return report.Failures.Count == 0 && report.Rows.All(r => r.Verdict != "MISSED") ? 0 : 1;
});

return await root.Parse(args).InvokeAsync();

// The checkout this program was built from.
static string? Checkout()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "Capstan.slnx")))
        {
            return dir.FullName;
        }
    }

    return null;
}
