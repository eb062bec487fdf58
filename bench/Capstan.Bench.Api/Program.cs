using System.CommandLine;
using System.Globalization;
using Capstan.Bench.Api;
using Capstan.Bench.Api.Processes;
using Capstan.Bench.Api.Reporting;
using Capstan.Bench.Api.Scenarios;

var capstan = new Option<string?>("--capstan") { Description = "capstan apphost or capstan.dll (default: src/Capstan/bin/Release/net10.0/capstan of this checkout)" };
var etcd = new Option<string>("--etcd") { Description = "etcd binary", DefaultValueFactory = _ => "/usr/bin/etcd" };
var duration = new Option<double>("--duration") { Description = "seconds per throughput run", DefaultValueFactory = _ => 20 };
var rounds = new Option<int>("--rounds") { Description = "throughput rounds, alternating the systems; the best round per system counts", DefaultValueFactory = _ => 1 };
var watchDuration = new Option<double>("--watch-duration") { Description = "seconds of writing during the watch run", DefaultValueFactory = _ => 10 };
var clients = new Option<int>("--clients") { Description = "concurrent clients for throughput and the RSS fill", DefaultValueFactory = _ => 16 };
var writers = new Option<int>("--watch-writers") { Description = "concurrent writers during the watch run", DefaultValueFactory = _ => 8 };
var objects = new Option<int>("--objects") { Description = "objects stored before the RSS reading", DefaultValueFactory = _ => 10_000 };
var starts = new Option<int>("--starts") { Description = "process starts per startup figure (median reported)", DefaultValueFactory = _ => 5 };
var workDir = new Option<string?>("--work-dir") { Description = "where the temporary data dirs go (default: a new folder under /tmp)" };
var keep = new Option<bool>("--keep-data") { Description = "keep the data dirs afterwards" };
var capstanEnv = new Option<string[]>("--capstan-env") { Description = "NAME=VALUE added to capstan's environment, for experiments (repeatable)" };
var logLevel = new Option<string?>("--capstan-log-level") { Description = "capstan's --log-level (default: capstan's own default, Information)" };
var only = new Option<string[]>("--only") { Description = "scenarios to run: throughput, watch, rss, startup, secrets (repeatable; default all but secrets)", AllowMultipleArgumentsPerToken = true };

var root = new RootCommand("Scenario benchmark: Capstan's Kubernetes API against etcd, side by side.")
{
    capstan, etcd, duration, rounds, watchDuration, clients, writers, objects, starts, workDir, keep, capstanEnv, logLevel, only,
};
root.SetAction(async (parse, ct) =>
{
    var capstanPath = parse.GetValue(capstan) ?? DefaultCapstanPath();
    if (capstanPath is null || !File.Exists(capstanPath))
    {
        Console.Error.WriteLine($"capstan binary not found ({capstanPath ?? "no checkout found"}); build it with `dotnet build src/Capstan -c Release` or pass --capstan");
        return 2;
    }

    var etcdPath = parse.GetValue(etcd)!;
    var requested = (parse.GetValue(only) ?? []).SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
    var secretsOnly = requested.Count > 0 && requested.All(s => s.Equals("secrets", StringComparison.OrdinalIgnoreCase));
    if (!secretsOnly && !File.Exists(etcdPath))
    {
        Console.Error.WriteLine($"etcd binary not found at {etcdPath}; install it with `apt-get install -y etcd-server` or pass --etcd");
        return 2;
    }

    var scenarios = (parse.GetValue(only) ?? []).SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
    var dir = parse.GetValue(workDir) ?? Path.Combine(Path.GetTempPath(), "capstan-bench-" + Guid.NewGuid().ToString("N")[..8]);
    var options = new BenchOptions
    {
        CapstanPath = Path.GetFullPath(capstanPath),
        EtcdPath = etcdPath,
        Duration = TimeSpan.FromSeconds(Math.Clamp(parse.GetValue(duration), 1, 600)),
        Rounds = Math.Clamp(parse.GetValue(rounds), 1, 20),
        WatchDuration = TimeSpan.FromSeconds(Math.Clamp(parse.GetValue(watchDuration), 1, 600)),
        Clients = Math.Clamp(parse.GetValue(clients), 1, 1024),
        WatchWriters = Math.Clamp(parse.GetValue(writers), 1, 1024),
        RssObjects = Math.Clamp(parse.GetValue(objects), 1, 1_000_000),
        Starts = Math.Clamp(parse.GetValue(starts), 1, 50),
        CapstanEnvironment = (parse.GetValue(capstanEnv) ?? []).Select(e => e.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]),
        CapstanLogLevel = parse.GetValue(logLevel),
        WorkDir = dir,
        KeepData = parse.GetValue(keep),
        Scenarios = scenarios.Count == 0
            ? new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "throughput", "watch", "rss", "startup" }
            : new HashSet<string>(scenarios, StringComparer.OrdinalIgnoreCase),
    };

    Console.WriteLine($"capstan: {options.CapstanPath}");
    Console.WriteLine($"etcd:    {options.EtcdPath}");
    Console.WriteLine($"machine: {Environment.ProcessorCount} CPUs, .NET {Environment.Version}, load average {ProcessCpu.LoadAverage()}, data under {options.WorkDir}");
    Console.WriteLine($"capstan log level: {options.CapstanLogLevel ?? "its default (Information)"}; its output goes to <data dir>.log");
    if (options.CapstanEnvironment.Count > 0)
    {
        Console.WriteLine($"capstan environment: {string.Join(' ', options.CapstanEnvironment.Select(kv => $"{kv.Key}={kv.Value}"))}");
    }

    Console.WriteLine($"run:     {options.Clients} clients × {options.Duration.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s × {options.Rounds} round(s), watch {options.WatchWriters} writers × {options.WatchDuration.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s, {options.RssObjects} objects for RSS, {options.Starts} starts; {options.ValueBytes} B values");
    Directory.CreateDirectory(options.WorkDir);
    try
    {
        // Encryption at rest compares two Capstan servers, no etcd: it runs on its own when asked for.
        if (options.Scenarios.Contains("secrets"))
        {
            var secretsExit = await new SecretEncryptionRun(options, Console.Out).RunAsync(ct);
            if (secretsOnly)
            {
                return secretsExit;
            }
        }

        var (capstanFigures, etcdFigures) = await new BenchRun(options, Console.Out).RunAsync(ct);
        Console.WriteLine($"load average at the end: {ProcessCpu.LoadAverage()} (this benchmark and its server account for up to about {Environment.ProcessorCount}; the rest is other work on the machine)");
        Console.WriteLine();
        ReportTable.Print(Console.Out, ReportTable.Rows(capstanFigures, etcdFigures, options.Clients, options.WatchWriters));
        foreach (var failure in capstanFigures.Failures.Select(f => "Capstan " + f).Concat(etcdFigures.Failures.Select(f => "etcd " + f)))
        {
            Console.WriteLine($"failed: {failure}");
        }

        return capstanFigures.Failures.Count + etcdFigures.Failures.Count == 0 ? 0 : 1;
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
});

return await root.Parse(args).InvokeAsync();

// The Release build output of src/Capstan in the checkout this program was built from.
static string? DefaultCapstanPath()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "Capstan.slnx")))
        {
            return Path.Combine(dir.FullName, "src", "Capstan", "bin", "Release", "net10.0", "capstan");
        }
    }

    return null;
}
