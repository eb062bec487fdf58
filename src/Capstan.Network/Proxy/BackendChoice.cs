using Capstan.Network.Catalog;

namespace Capstan.Network.Proxy;

/// <summary>
/// The backends new connections of one service port and traffic scope may go to, fixed when the endpoints change:
/// the Ready ones (on this node only, under a Local traffic policy), or, when none is Ready, the ones still Serving
/// while Terminating (Kubernetes' fallback that lets a rolling update drain). Readers take it without locking.
/// </summary>
internal sealed class BackendChoice
{
    public static readonly BackendChoice Empty = new([], []);

    public BackendChoice(Backend[] backends, BackendStats[] stats, int? canaryWeight = null)
    {
        Backends = backends;
        Stats = stats;
        CanaryWeight = canaryWeight;
        Split = CanarySplit.Create(backends, canaryWeight);
    }

    /// <summary>The canary share the choice was built for (null: no split configured).</summary>
    public int? CanaryWeight { get; }

    /// <summary>The stable/canary split when both groups have backends; null means plain round robin.</summary>
    public CanarySplit? Split { get; }

    public Backend[] Backends { get; }

    public BackendStats[] Stats { get; }

    public int Count => Backends.Length;

    public static Backend[] Eligible(IReadOnlyList<Backend> all, bool localOnly, string nodeName)
    {
        var candidates = localOnly ? all.Where(b => string.Equals(b.NodeName, nodeName, StringComparison.Ordinal)).ToList() : all.ToList();
        var ready = candidates.Where(b => b.Ready).ToArray();
        return ready.Length > 0 ? ready : candidates.Where(b => b.Serving && b.Terminating).ToArray();
    }

    public int IndexOf(System.Net.IPEndPoint endPoint)
    {
        var backends = Backends;
        for (var i = 0; i < backends.Length; i++)
        {
            if (backends[i].EndPoint.Equals(endPoint))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Same backends in the same order with the same split: a catalog change that left this port alone.</summary>
    public bool SameAs(Backend[] backends, int? canaryWeight = null)
    {
        if (backends.Length != Backends.Length || canaryWeight != CanaryWeight)
        {
            return false;
        }

        for (var i = 0; i < backends.Length; i++)
        {
            if (!backends[i].EndPoint.Equals(Backends[i].EndPoint) || backends[i].Canary != Backends[i].Canary)
            {
                return false;
            }
        }

        return true;
    }
}
