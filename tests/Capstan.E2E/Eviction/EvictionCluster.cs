using Capstan.E2E.Infrastructure;

namespace Capstan.E2E.Eviction;

/// <summary>
/// A cluster whose agent reads its eviction signals through the test-only --eviction-signals-file hook (written by the
/// tests to fake pressure) and clears pressure conditions after 5 s instead of 5 min.
/// </summary>
public sealed class EvictionCluster : WorkloadCluster
{
    public string SignalsFile => DataDir + "-signals";

    protected override IEnumerable<string> ExtraServerArguments() =>
        ["--crash-loop-backoff", "1s", "--eviction-signals-file", SignalsFile, "--eviction-pressure-transition-period", "5s"];

    public override async Task DisposeAsync()
    {
        File.Delete(SignalsFile);
        await base.DisposeAsync();
    }
}
