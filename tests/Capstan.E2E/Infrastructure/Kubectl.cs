using System.Diagnostics;
using System.Text;

namespace Capstan.E2E.Infrastructure;

/// <summary>Runs the real /usr/bin/kubectl against one kubeconfig, each call bounded by a timeout.</summary>
public sealed class Kubectl(string kubeconfigPath)
{
    public static string Binary => File.Exists("/usr/bin/kubectl") ? "/usr/bin/kubectl" : "kubectl";

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    public string KubeconfigPath { get; } = kubeconfigPath;

    public Task<KubectlResult> RunAsync(params string[] args) => RunAsync(args, stdin: null, timeout: null);

    /// <summary>Runs kubectl with <paramref name="stdin"/> piped in (for `-f -`).</summary>
    public Task<KubectlResult> RunWithInputAsync(string stdin, params string[] args) => RunAsync(args, stdin, timeout: null);

    public async Task<KubectlResult> RunAsync(
        IReadOnlyList<string> args, string? stdin, TimeSpan? timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        using var process = Start(args, redirectStdin: stdin is not null, environment);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin).ConfigureAwait(false);
            process.StandardInput.Close();
        }

        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            throw new TimeoutException(
                $"kubectl {string.Join(' ', args)} did not finish within {timeout ?? DefaultTimeout}\nstdout:\n{await stdout.ConfigureAwait(false)}\nstderr:\n{await stderr.ConfigureAwait(false)}");
        }

        return new KubectlResult(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    /// <summary>Starts a long-running kubectl (e.g. `get -w`) whose output is collected until it is stopped.</summary>
    public BackgroundKubectl StartBackground(params string[] args) => new(Start(args, redirectStdin: false));

    private Process Start(IReadOnlyList<string> args, bool redirectStdin, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectStdin,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["KUBECONFIG"] = KubeconfigPath;
        // kubectl caches discovery and OpenAPI under $HOME/.kube/cache; a private home keeps servers on reused ports apart.
        info.Environment["HOME"] = Path.GetDirectoryName(KubeconfigPath)!;
        info.Environment["KUBECTL_COMMAND_HEADERS"] = "false";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        return Process.Start(info) ?? throw new InvalidOperationException("could not start kubectl");
    }
}
