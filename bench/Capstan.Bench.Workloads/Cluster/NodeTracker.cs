using System.Diagnostics;
using k8s;
using k8s.Models;

namespace Capstan.Bench.Workloads.Cluster;

/// <summary>Watches Nodes and their Leases in kube-node-lease, keeping every observation.</summary>
public sealed class NodeTracker : IAsyncDisposable
{
    private readonly List<NodeObservation> _nodes = [];
    private readonly List<(long At, string Name)> _leaseRenewals = [];
    private readonly Lock _lock = new();
    private WatchFeed<V1Node>? _nodeFeed;
    private WatchFeed<V1Lease>? _leaseFeed;

    public static async Task<NodeTracker> StartAsync(Kubernetes client, CancellationToken ct)
    {
        var tracker = new NodeTracker();
        tracker._nodeFeed = await WatchFeed<V1Node>.StartAsync(client, "api/v1/nodes", tracker.RecordNode, ct).ConfigureAwait(false);
        tracker._leaseFeed = await WatchFeed<V1Lease>.StartAsync(
            client, "apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", tracker.RecordLease, ct).ConfigureAwait(false);
        return tracker;
    }

    public IReadOnlyList<NodeObservation> Nodes(string name)
    {
        lock (_lock)
        {
            return _nodes.Where(n => n.Name == name).ToList();
        }
    }

    /// <summary>Timestamps of the events that changed a node's Lease (its renewals).</summary>
    public IReadOnlyList<long> LeaseRenewals(string name)
    {
        lock (_lock)
        {
            return _leaseRenewals.Where(l => l.Name == name).Select(l => l.At).ToList();
        }
    }

    public async Task<bool> WaitReadyAsync(string name, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            var latest = Nodes(name).LastOrDefault();
            if (latest?.Ready == "True")
            {
                return true;
            }

            await Task.Delay(20, ct).ConfigureAwait(false);
        }

        return false;
    }

    private void RecordNode(WatchEventType type, V1Node node, long at)
    {
        var ready = node.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready")?.Status;
        var taints = (node.Spec?.Taints ?? []).Select(t => $"{t.Key}:{t.Effect}").ToList();
        lock (_lock)
        {
            _nodes.Add(new NodeObservation(at, node.Metadata.Name, type == WatchEventType.Deleted ? "Deleted" : ready, taints));
        }
    }

    private void RecordLease(WatchEventType type, V1Lease lease, long at)
    {
        lock (_lock)
        {
            _leaseRenewals.Add((at, lease.Metadata.Name));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_nodeFeed is not null)
        {
            await _nodeFeed.DisposeAsync().ConfigureAwait(false);
        }

        if (_leaseFeed is not null)
        {
            await _leaseFeed.DisposeAsync().ConfigureAwait(false);
        }
    }
}
