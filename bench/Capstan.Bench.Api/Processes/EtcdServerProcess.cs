using System.Diagnostics;

namespace Capstan.Bench.Api.Processes;

/// <summary>A single-member etcd on loopback with its own data dir.</summary>
public sealed class EtcdServerProcess : IAsyncDisposable
{
    private EtcdServerProcess(ChildProcess process, string dataDir, int clientPort, TimeSpan timeToReady)
    {
        Process = process;
        DataDir = dataDir;
        ClientPort = clientPort;
        TimeToReady = timeToReady;
    }

    public ChildProcess Process { get; }

    public string DataDir { get; }

    public int ClientPort { get; }

    public Uri ClientUrl => new($"http://127.0.0.1:{ClientPort}");

    /// <summary>From Process.Start until /health answered `"health":"true"`.</summary>
    public TimeSpan TimeToReady { get; }

    public static async Task<EtcdServerProcess> StartAsync(string etcdPath, string dataDir, CancellationToken ct)
    {
        Directory.CreateDirectory(dataDir);
        var clientPort = FreePort.Next();
        var peerPort = FreePort.Next();
        var client = $"http://127.0.0.1:{clientPort}";
        var peer = $"http://127.0.0.1:{peerPort}";
        string[] args =
        [
            "--name", "bench",
            "--data-dir", dataDir,
            "--listen-client-urls", client,
            "--advertise-client-urls", client,
            "--listen-peer-urls", peer,
            "--initial-advertise-peer-urls", peer,
            "--initial-cluster", $"bench={peer}",
            "--log-level", "warn",
            "--logger", "zap",
        ];
        var startedAt = Stopwatch.GetTimestamp();
        var process = ChildProcess.Start(etcdPath, args, dataDir + ".log");
        try
        {
            using var probe = ReadinessProbe.CreateClient();
            var ready = await ReadinessProbe.WaitAsync(
                probe, new Uri($"{client}/health"), body => body.Contains("\"health\":\"true\"", StringComparison.Ordinal), startedAt, process, TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
            return new EtcdServerProcess(process, dataDir, clientPort, ready);
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
