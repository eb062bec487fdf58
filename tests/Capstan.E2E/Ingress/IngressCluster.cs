using Capstan.E2E.Infrastructure;

namespace Capstan.E2E.Ingress;

/// <summary>A workload cluster of its own for the ingress tests (every cluster's ingress listens on free ports).</summary>
public sealed class IngressCluster : WorkloadCluster;
