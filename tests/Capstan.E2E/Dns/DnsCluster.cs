using System.Globalization;
using Capstan.E2E.Infrastructure;

namespace Capstan.E2E.Dns;

/// <summary>A workload cluster whose cluster DNS listens on a port of its own, so clusters run side by side.</summary>
public sealed class DnsCluster : WorkloadCluster
{
    public int DnsPort { get; } = CapstanServerFixture.FreePort();

    protected override IEnumerable<string> ExtraServerArguments() =>
        [.. base.ExtraServerArguments(), "--cluster-dns-port", DnsPort.ToString(CultureInfo.InvariantCulture)];
}
