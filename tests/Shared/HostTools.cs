using System.Diagnostics;

namespace Capstan.Testing;

/// <summary>
/// Host commands for the fixtures that run a private containerd (CRI runtime tests, containerd E2E, the CRI benchmark);
/// one file linked into each project.
/// </summary>
internal static class HostTools
{
    public static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, tool)));

    /// <summary>The checkout holding scripts/cri, searched upwards from the running assembly.</summary>
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "scripts", "cri", "start-containerd.sh")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("scripts/cri not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Runs a command to its end and returns its stdout; a non-zero exit throws with its stderr.</summary>
    public static async Task<string> RunAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode}: {await stderr.ConfigureAwait(false)}");
        }

        return await stdout.ConfigureAwait(false);
    }

    /// <summary>False when the command failed or is missing (clean-up steps that may have nothing to do).</summary>
    public static async Task<bool> TryRunAsync(string file, params string[] args)
    {
        try
        {
            await RunAsync(file, args).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
