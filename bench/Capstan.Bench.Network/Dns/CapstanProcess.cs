using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using k8s;

namespace Capstan.Bench.Network.Dns;

/// <summary>`capstan server` with only the API and the cluster DNS (no agent, controllers or scheduler), on loopback.</summary>
public sealed class CapstanProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dataDir;

    private CapstanProcess(Process process, string dataDir, Kubernetes client)
    {
        _process = process;
        _dataDir = dataDir;
        Client = client;
    }

    public Kubernetes Client { get; }

    public int Pid => _process.Id;

    public static async Task<CapstanProcess> StartAsync(string capstanPath, string dataDir, int dnsPort, CancellationToken ct)
    {
        if (!File.Exists(capstanPath))
        {
            throw new FileNotFoundException($"no capstan at {capstanPath}: dotnet build src/Capstan -c Release, or pass --capstan PATH");
        }

        Directory.CreateDirectory(dataDir);
        var dll = capstanPath.EndsWith(".dll", StringComparison.Ordinal);
        var start = new ProcessStartInfo(dll ? "dotnet" : capstanPath) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (dll)
        {
            start.ArgumentList.Add(capstanPath);
        }

        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            var apiPort = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            foreach (var arg in new[]
            {
                "server", "--data-dir", dataDir, "--https-listen-port", apiPort.ToString(CultureInfo.InvariantCulture),
                "--disable-agent", "--disable-scheduler", "--disable-controller-manager", "--log-level", "Warning",
                "--cluster-dns-port", dnsPort.ToString(CultureInfo.InvariantCulture),
            })
            {
                start.ArgumentList.Add(arg);
            }
        }

        var process = Process.Start(start)!;
        var log = Path.Combine(dataDir, "..", "capstan.log");
        var output = new StreamWriter(log) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.WriteLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.WriteLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var kubeconfig = Path.Combine(dataDir, "kubeconfig.yaml");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"capstan server did not come up; see {log}");
            }

            if (File.Exists(kubeconfig))
            {
                try
                {
                    var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
                    await client.ListNamespaceAsync(cancellationToken: ct).ConfigureAwait(false);
                    return new CapstanProcess(process, dataDir, client);
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
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
