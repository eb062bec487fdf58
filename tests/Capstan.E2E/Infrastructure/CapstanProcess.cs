using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Capstan.E2E.Infrastructure;

/// <summary>One `capstan` child process (a server or an agent) with its output appended to a log file.</summary>
public sealed class CapstanProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Lock _gate = new();

    private CapstanProcess(Process process, StreamWriter log)
    {
        _process = process;
        _log = log;
    }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>
    /// How an exited process ended ("exit code 137": killed by signal 9), once the rest of its output has reached the log:
    /// a crash's last lines arrive after HasExited turns true.
    /// </summary>
    public string ExitDescription()
    {
        _process.WaitForExit();
        return "exit code " + _process.ExitCode;
    }

    public static CapstanProcess Start(string logPath, params string[] args)
    {
        var log = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite), Encoding.UTF8) { AutoFlush = true };
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "capstan.dll"));
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start capstan");
        var result = new CapstanProcess(process, log);
        process.OutputDataReceived += (_, e) => result.Write(e.Data);
        process.ErrorDataReceived += (_, e) => result.Write(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return result;
    }

    /// <summary>Runs a short capstan command (killall, token) to its end and returns its output.</summary>
    public static async Task<string> RunAsync(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "capstan.dll"));
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        return await stdout + await stderr;
    }

    /// <summary>SIGTERM and wait (SIGKILL after the bound), or SIGKILL at once.</summary>
    public async Task StopAsync(bool kill = false)
    {
        if (_process.HasExited)
        {
            return;
        }

        if (kill)
        {
            _process.Kill();
        }
        else
        {
            _ = SendSignal(_process.Id, 15);
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
        lock (_gate)
        {
            _log.Dispose();
        }
    }

    private void Write(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            try
            {
                _log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);
}
