using System.Diagnostics;

namespace Capstan.Bench.Workloads.Processes;

/// <summary>One-shot capstan commands: `killall` (stop a data dir's pod processes).</summary>
public static class CapstanCli
{
    /// <summary>
    /// `capstan killall -d DIR`: pods outlive their agent on purpose, so every data dir the benchmark used must go
    /// through this, and so must a "dead machine" whose agent was SIGKILLed.
    /// </summary>
    public static async Task<string> KillAllAsync(string capstanPath, string dataDir)
    {
        var info = new ProcessStartInfo(capstanPath.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? "dotnet" : capstanPath)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (capstanPath.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            info.ArgumentList.Add(capstanPath);
        }

        foreach (var a in new[] { "killall", "-d", dataDir })
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start capstan killall");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return "capstan killall timed out after 30 s";
        }

        return (await stdout.ConfigureAwait(false)) + (await stderr.ConfigureAwait(false));
    }
}
