using System.Diagnostics;
using k8s;
using k8s.Models;

namespace Capstan.Bench.Workloads.Cluster;

/// <summary>Watches the pods of a namespace and keeps every observation of every pod.</summary>
public sealed class PodTracker : IAsyncDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);
    private readonly Dictionary<string, PodHistory> _pods = [];
    private readonly Lock _lock = new();
    private WatchFeed<V1Pod>? _feed;

    public static async Task<PodTracker> StartAsync(Kubernetes client, string ns, CancellationToken ct)
    {
        var tracker = new PodTracker();
        tracker._feed = await WatchFeed<V1Pod>.StartAsync(client, $"api/v1/namespaces/{ns}/pods", tracker.Record, ct).ConfigureAwait(false);
        return tracker;
    }

    /// <summary>A consistent copy of every pod's history so far.</summary>
    public IReadOnlyList<PodHistory> Snapshot()
    {
        lock (_lock)
        {
            return _pods.Values.Select(p => p.Copy()).ToList();
        }
    }

    /// <summary>Polls the observations until <paramref name="condition"/> holds; false after the timeout.</summary>
    public async Task<bool> WaitAsync(Func<IReadOnlyList<PodHistory>, bool> condition, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            if (condition(Snapshot()))
            {
                return true;
            }

            if (Stopwatch.GetTimestamp() > deadline)
            {
                return false;
            }

            await Task.Delay(PollInterval, ct).ConfigureAwait(false);
        }
    }

    public string? WatchError => _feed?.LastError?.Message;

    private void Record(WatchEventType type, V1Pod pod, long at)
    {
        var uid = pod.Metadata.Uid ?? pod.Metadata.Name;
        lock (_lock)
        {
            if (!_pods.TryGetValue(uid, out var history))
            {
                history = new PodHistory(pod.Metadata.Name, uid);
                _pods[uid] = history;
            }

            history.Add(PodObservation.From(type, pod, at));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_feed is not null)
        {
            await _feed.DisposeAsync().ConfigureAwait(false);
        }
    }
}
