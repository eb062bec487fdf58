using System.Diagnostics;
using System.Globalization;

namespace Capstan.Bench.Api.Processes;

/// <summary>A `capstan server` child process on a loopback port with its own data dir.</summary>
public sealed class CapstanServerProcess : IAsyncDisposable
{
    private CapstanServerProcess(ChildProcess process, string dataDir, int port, TimeSpan timeToReady)
    {
        Process = process;
        DataDir = dataDir;
        Port = port;
        TimeToReady = timeToReady;
    }

    public ChildProcess Process { get; }

    public string DataDir { get; }

    public int Port { get; }

    public Uri BaseAddress => new($"https://127.0.0.1:{Port}/");

    public string KubeconfigPath => Path.Combine(DataDir, "kubeconfig.yaml");

    /// <summary>From Process.Start until /readyz answered `ok`.</summary>
    public TimeSpan TimeToReady { get; }

    public static Task<CapstanServerProcess> StartAsync(string capstanPath, string dataDir, string? logLevel, IReadOnlyDictionary<string, string> environment, CancellationToken ct) =>
        StartAsync(capstanPath, dataDir, logLevel, environment, [], ct);

    /// <param name="extraArgs">More `capstan server` flags (e.g. --encrypt-resources).</param>
    public static async Task<CapstanServerProcess> StartAsync(
        string capstanPath, string dataDir, string? logLevel, IReadOnlyDictionary<string, string> environment, IReadOnlyList<string> extraArgs, CancellationToken ct)
    {
        Directory.CreateDirectory(dataDir);
        var port = FreePort.Next();
        List<string> args = ["server", "--data-dir", dataDir, "--https-listen-port", port.ToString(CultureInfo.InvariantCulture), .. extraArgs];
        if (logLevel is not null)
        {
            args.AddRange(["--log-level", logLevel]);
        }

        var startedAt = Stopwatch.GetTimestamp();
        var process = ChildProcess.StartDotnetOrNative(capstanPath, args, dataDir + ".log", environment);
        try
        {
            using var probe = ReadinessProbe.CreateClient();
            var ready = await ReadinessProbe.WaitAsync(
                probe, new Uri($"https://127.0.0.1:{port}/readyz"), body => body.Trim() == "ok", startedAt, process, TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
            return new CapstanServerProcess(process, dataDir, port, ready);
        }
        catch
        {
            await process.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public long? RssBytes() => ProcessMemory.RssBytes(Process.Pid);

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
