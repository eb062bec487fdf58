using System.CommandLine;
using System.Globalization;
using Capstan.Bench.Rollout;

var capstan = new Option<string?>("--capstan") { Description = "capstan binary (default: src/Capstan/bin/Release/net10.0/capstan of this checkout)" };
var testServer = new Option<string?>("--testserver") { Description = "capstan-testserver binary (default: artifacts/testserver/capstan-testserver; scripts/build-testserver.sh builds it)" };
var replicas = new Option<int>("--replicas") { Description = "replicas of the Deployment", DefaultValueFactory = _ => 100 };
var concurrency = new Option<int>("--clients") { Description = "requests in flight in the client loop", DefaultValueFactory = _ => 4 };
var timeout = new Option<double>("--timeout") { Description = "seconds every wait is bounded by", DefaultValueFactory = _ => 300 };
var root = new RootCommand("Rollout benchmark: a rolling update of a Deployment of the test server under a client loop through its Service, and a failing version's automatic rollback.")
{
    capstan, testServer, replicas, concurrency, timeout,
};
root.SetAction(async (parse, ct) =>
{
    var checkout = Checkout();
    var capstanPath = parse.GetValue(capstan) ?? Path.Combine(checkout ?? ".", "src", "Capstan", "bin", "Release", "net10.0", "capstan");
    var testServerPath = parse.GetValue(testServer) ?? Path.Combine(checkout ?? ".", "artifacts", "testserver", "capstan-testserver");
    if (!File.Exists(capstanPath) || !File.Exists(testServerPath))
    {
        Console.Error.WriteLine($"need {capstanPath} (dotnet build src/Capstan -c Release) and {testServerPath} (scripts/build-testserver.sh)");
        return 2;
    }

    var count = Math.Clamp(parse.GetValue(replicas), 1, 200);
    var dataDir = Path.Combine(Path.GetTempPath(), "capstan-bench-rollout-" + Guid.NewGuid().ToString("N")[..8]);
    Console.WriteLine($"capstan {capstanPath}; {Environment.ProcessorCount} CPUs; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}; {DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC");
    var server = await RolloutServer.StartAsync(Path.GetFullPath(capstanPath), dataDir, ct);
    try
    {
        return await RunAsync(server);
    }
    finally
    {
        // The server first: its disposal runs `capstan killall` over the data dir, which must still be there.
        await server.DisposeAsync();
        try
        {
            Directory.Delete(dataDir, recursive: true);
            File.Delete(dataDir + ".log");
        }
        catch (IOException)
        {
        }
    }

    async Task<int> RunAsync(RolloutServer server)
    {
        using var client = server.Client();
        var scenarios = new RolloutScenarios(client, Path.GetFullPath(testServerPath), count, TimeSpan.FromSeconds(parse.GetValue(timeout)), Console.Out);
        Console.WriteLine($"deploying {count} replicas (maxSurge 25%, maxUnavailable 0) …");
        await scenarios.DeployAsync(ct);

        Console.WriteLine("rolling update under the client loop …");
        var (seconds, ok, failed, samples) = await scenarios.RollingUpdateAsync(Math.Clamp(parse.GetValue(concurrency), 1, 64), ct);
        Console.WriteLine("failing version with capstan.io/rollback-on-failure …");
        var (rollback, total) = await scenarios.AutomaticRollbackAsync(ct);

        Console.WriteLine();
        Console.WriteLine("| figure | value | target |");
        Console.WriteLine("|---|---|---|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| rolling update of {count} replicas, template change to all available | {seconds:0.0} s | |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| requests through the Service during it (new connection each) | {ok} answered, {failed} failed | 0 failed |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| failing version: first crash to rollback complete | {rollback:0.0} s ({total:0.0} s from the template change) | |"));
        Console.WriteLine($"load average at the end {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        foreach (var sample in samples)
        {
            Console.WriteLine($"failure: {sample}");
        }

        return failed == 0 ? 0 : 1;
    }
});

return await root.Parse(args).InvokeAsync();

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
