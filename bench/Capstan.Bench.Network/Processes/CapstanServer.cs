using System.Globalization;
using k8s;

namespace Capstan.Bench.Network.Processes;

/// <summary>
/// A real `capstan server` process (API server plus its embedded node agent, which runs the service proxy, DNS and
/// ingress) on loopback with a temporary data dir; controllers and scheduler are off, the scenarios write what they need.
/// </summary>
public sealed class CapstanServer : IAsyncDisposable
{
    private CapstanServer(ChildProcess process, string dataDir, Kubernetes client)
    {
        Process = process;
        DataDir = dataDir;
        Client = client;
    }

    public ChildProcess Process { get; }

    public string DataDir { get; }

    public Kubernetes Client { get; }

    /// <summary>Extra environment for every capstan process the benchmark starts (--capstan-env K=V, repeatable), for experiments.</summary>
    public static Dictionary<string, string> Environment { get; } = [];

    public static async Task<CapstanServer> StartAsync(string capstanPath, IEnumerable<string> extraArgs, CancellationToken ct)
    {
        if (!File.Exists(capstanPath))
        {
            throw new FileNotFoundException($"no capstan at {capstanPath}: dotnet build src/Capstan -c Release, or pass --capstan PATH");
        }

        var dataDir = Path.Combine(Path.GetTempPath(), "capstan-bench-net-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dataDir);
        string[] args =
        [
            "server", "--data-dir", dataDir,
            "--https-listen-port", FreePort.Next().ToString(CultureInfo.InvariantCulture),
            "--agent-port", FreePort.Next().ToString(CultureInfo.InvariantCulture),
            "--node-name", "bench", "--disable-scheduler", "--disable-controller-manager", "--log-level", "Warning",
            .. extraArgs,
        ];
        var process = ChildProcess.Start(capstanPath, args, dataDir + ".log", Environment);
        var kubeconfig = Path.Combine(dataDir, "kubeconfig.yaml");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                await process.DisposeAsync().ConfigureAwait(false);
                throw new InvalidOperationException($"capstan server did not come up; log: {dataDir}.log\n" + File.ReadAllText(dataDir + ".log"));
            }

            if (File.Exists(kubeconfig))
            {
                try
                {
                    var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
                    await client.ListNamespaceAsync(cancellationToken: ct).ConfigureAwait(false);
                    return new CapstanServer(process, dataDir, client);
                }
                catch (Exception e) when (e is HttpRequestException or k8s.Autorest.HttpOperationException or IOException or k8s.Exceptions.KubeConfigException)
                {
                }
            }

            await Task.Delay(200, ct).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Process.DisposeAsync().ConfigureAwait(false);
        try
        {
            Directory.Delete(DataDir, recursive: true);
            File.Delete(DataDir + ".log");
        }
        catch (IOException)
        {
        }
    }
}
