namespace Capstan.Agent.Tests.Network;

/// <summary>
/// Blackhole routes for a test's pod and service CIDRs, so a bug can never send their packets off the machine (the
/// more specific bridge and local routes still win for what lives here). Removed on dispose, unless they were
/// there before (another test's, or scripts/cri/blackhole-routes.sh's).
/// </summary>
internal sealed class BlackholeRoutes : IAsyncDisposable
{
    private readonly List<string> _added;

    private BlackholeRoutes(List<string> added) => _added = added;

    public static async Task<BlackholeRoutes> AddAsync(params string[] cidrs)
    {
        var added = new List<string>();
        foreach (var cidr in cidrs)
        {
            var (code, output) = await HostCommand.RunAsync("/usr/sbin/ip", ["route", "add", "blackhole", cidr]);
            if (code == 0)
            {
                added.Add(cidr);
            }
            else if (!output.Contains("File exists", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"ip route add blackhole {cidr}: {output}");
            }
        }

        return new BlackholeRoutes(added);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var cidr in _added)
        {
            await HostCommand.RunAsync("/usr/sbin/ip", ["route", "del", "blackhole", cidr]);
        }
    }
}
