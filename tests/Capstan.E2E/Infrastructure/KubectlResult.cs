namespace Capstan.E2E.Infrastructure;

/// <summary>What one kubectl run printed and how it ended.</summary>
public sealed record KubectlResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Stdout then stderr, for assertions that do not care which stream kubectl used.</summary>
    public string Output => Stdout + Stderr;

    /// <summary>Fails the test with everything kubectl said unless it exited 0.</summary>
    public KubectlResult EnsureSuccess()
    {
        if (ExitCode != 0)
        {
            throw new Xunit.Sdk.XunitException($"kubectl exited {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
        }

        return this;
    }

    /// <summary>Stdout split into non-empty lines, trailing whitespace removed.</summary>
    public IReadOnlyList<string> Lines =>
        Stdout.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToArray();
}
