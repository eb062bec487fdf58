using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Capstan.E2E.Infrastructure;

/// <summary>
/// One `capstan server` child process per test class: a temporary data dir, a free port, its output in a log file.
/// Disposal stops it with SIGTERM (SIGKILL after 10 s), deletes the data dir and fails the class when the log shows a
/// 500 ("internal error"), since bad input must never produce one.
/// </summary>
public class CapstanServerFixture : IAsyncLifetime
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private readonly Lock _logGate = new();
    private Process? _server;
    private StreamWriter? _log;

    public string DataDir { get; } = Path.Combine(Path.GetTempPath(), "capstan-e2e-" + Guid.NewGuid().ToString("N")[..12]);

    /// <summary>The server's stdout and stderr; kept outside the data dir so a failing run leaves it behind.</summary>
    public string LogPath { get; } = Path.Combine(Path.GetTempPath(), "capstan-e2e-" + Guid.NewGuid().ToString("N")[..12] + ".log");

    public int Port { get; private set; }

    public Kubectl Kubectl { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(DataDir);
        Port = FreePort();
        _log = new StreamWriter(LogPath, append: false, Encoding.UTF8) { AutoFlush = true };
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "capstan.dll"));
        foreach (var a in new[] { "server", "--data-dir", DataDir, "--https-listen-port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture) }.Concat(ServerArguments()))
        {
            info.ArgumentList.Add(a);
        }

        _server = Process.Start(info) ?? throw new InvalidOperationException("could not start capstan");
        _server.OutputDataReceived += (_, e) => WriteLog(e.Data);
        _server.ErrorDataReceived += (_, e) => WriteLog(e.Data);
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();

        Kubectl = new Kubectl(Path.Combine(DataDir, "kubeconfig.yaml"));
        var deadline = DateTime.UtcNow + ReadyTimeout;
        KubectlResult? last = null;
        while (DateTime.UtcNow < deadline)
        {
            if (_server.HasExited)
            {
                _server.WaitForExit(); // the rest of its output reaches the log
                throw new InvalidOperationException($"capstan server exited with {_server.ExitCode} before it was ready; log:\n{ReadLog()}");
            }

            if (File.Exists(Kubectl.KubeconfigPath))
            {
                last = await Kubectl.RunAsync(["get", "--raw", "/readyz"], null, TimeSpan.FromSeconds(10));
                if (last.ExitCode == 0 && last.Stdout.Trim() == "ok")
                {
                    return;
                }
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"capstan server not ready within {ReadyTimeout}; last readyz: {last}; log:\n{ReadLog()}");
    }

    /// <summary>Flags beyond the data dir and port. The API suites run without the node agent: their pods are objects only.</summary>
    protected virtual IEnumerable<string> ServerArguments() => ["--disable-agent"];

    /// <summary>Creates a namespace with a unique name from a manifest (JSON on the wire) and returns its name.</summary>
    public async Task<string> CreateNamespaceAsync(string prefix = "e2e")
    {
        var name = $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";
        (await Kubectl.RunWithInputAsync($"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n", "create", "-f", "-").ConfigureAwait(false)).EnsureSuccess();
        return name;
    }

    /// <summary>Writes a manifest to a fresh file in the data dir (removed with it) and returns its path.</summary>
    public string ManifestFile(string content, string name = "manifest.yaml")
    {
        var dir = Path.Combine(DataDir, "manifests", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>The log lines where the server reported an internal error (it answered 500).</summary>
    public IReadOnlyList<string> InternalErrors() =>
        ReadLog().Split('\n').Where(l => l.Contains("internal error", StringComparison.OrdinalIgnoreCase)).ToArray();

    public string ReadLog()
    {
        lock (_logGate)
        {
            _log?.Flush();
        }

        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public virtual async Task DisposeAsync()
    {
        string? death = null;
        if (_server is { } server)
        {
            if (server.HasExited)
            {
                // Nothing else stops it: tests that failed because the server was gone should say how it ended.
                server.WaitForExit();
                death = "exit code " + server.ExitCode;
            }
            else
            {
                _ = SendSignal(server.Id, Sigterm);
                using var cts = new CancellationTokenSource(StopTimeout);
                try
                {
                    await server.WaitForExitAsync(cts.Token);
                }
                catch (OperationCanceledException)
                {
                    server.Kill(entireProcessTree: true);
                    await server.WaitForExitAsync(CancellationToken.None);
                }
            }

            server.Dispose();
        }

        var log = File.Exists(LogPath) ? ReadLog() : "";
        lock (_logGate)
        {
            _log?.Dispose();
            _log = null;
        }

        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
        }

        if (death is not null)
        {
            throw new Xunit.Sdk.XunitException($"the server ended on its own ({death}); log kept at {LogPath}, its end:\n{string.Join('\n', log.Split('\n').TakeLast(40))}");
        }

        var errors = log.Split('\n').Where(l => l.Contains("internal error", StringComparison.OrdinalIgnoreCase)).ToArray();
        if (errors.Length > 0)
        {
            throw new Xunit.Sdk.XunitException(
                $"the server answered {errors.Length} request(s) with an internal error; full log kept at {LogPath}:\n{string.Join('\n', errors.Take(20))}");
        }

        File.Delete(LogPath);
    }

    private void WriteLog(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_logGate)
        {
            _log?.WriteLine(line);
        }
    }

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private const int Sigterm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);
}
