using System.Diagnostics;
using k8s;

namespace Capstan.ApiServer.Tests.Integration;

/// <summary>`capstan server` as a child process (capstan.dll from this test's output folder), for tests that kill it.</summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ServerProcess(Process process, string dataDir, int port)
    {
        _process = process;
        DataDir = dataDir;
        Port = port;
    }

    public string DataDir { get; }

    public int Port { get; }

    public string KubeconfigPath => Path.Combine(DataDir, "kubeconfig.yaml");

    public static async Task<ServerProcess> StartAsync(string dataDir, int port)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "capstan.dll"));
        foreach (var a in new[] { "server", "--data-dir", dataDir, "--https-listen-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--log-level", "Warning" })
        {
            psi.ArgumentList.Add(a);
        }

        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new ServerProcess(process, dataDir, port);
        await server.WaitReadyAsync();
        return server;
    }

    public Kubernetes Client() => new(KubernetesClientConfiguration.BuildConfigFromConfigFile(KubeconfigPath));

    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    private async Task WaitReadyAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        using var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true });
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"capstan server exited with {_process.ExitCode}");
            }

            try
            {
                var body = await http.GetStringAsync($"https://127.0.0.1:{Port}/readyz");
                if (body == "ok" && File.Exists(KubeconfigPath))
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("capstan server did not become ready within 60 s");
    }

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Kill();
        }

        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
