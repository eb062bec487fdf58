using Capstan.E2E.Infrastructure;

namespace Capstan.E2E.Dns;

/// <summary>A workload cluster of its own for the DNS tests (every cluster's DNS listens on a port of its own).</summary>
public sealed class DnsCluster : WorkloadCluster;
