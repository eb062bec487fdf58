using Capstan.Agent.Events;
using Microsoft.Extensions.Logging;

namespace Capstan.Agent.Eviction;

/// <summary>
/// The kubelet's eviction manager for hard thresholds: every monitoring interval it reads the signals; while a threshold
/// is met the node reports MemoryPressure or DiskPressure and one pod at a time is evicted (ranked by
/// <see cref="EvictionRanking"/>), the signals being read again after each eviction has finished. A condition clears only
/// once its thresholds have not been met for the pressure transition period.
/// </summary>
internal sealed partial class EvictionManager
{
    private readonly EvictionOptions _options;
    private readonly IEvictionSignalSource _signals;
    private readonly IEvictablePods _pods;
    private readonly NodePressureState _state;
    private readonly EventRecorder? _events;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private DateTimeOffset? _memoryLastMet;
    private DateTimeOffset? _diskLastMet;

    public EvictionManager(EvictionOptions options, IEvictionSignalSource signals, IEvictablePods pods, NodePressureState state, EventRecorder? events, TimeProvider time, ILogger logger)
    {
        _options = options;
        _signals = signals;
        _pods = pods;
        _state = state;
        _events = events;
        _time = time;
        _logger = logger;
    }

    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await SynchronizeAsync(ct).ConfigureAwait(false);
                await Task.Delay(_options.MonitoringInterval, _time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogSyncFailed(ex);
                try
                {
                    await Task.Delay(_options.MonitoringInterval, _time, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>One pass: observe, update the conditions, evict at most one pod (waiting until it has stopped).</summary>
    /// <returns>The pod evicted, if any.</returns>
    public async Task<k8s.Models.V1Pod?> SynchronizeAsync(CancellationToken ct)
    {
        var now = _time.GetUtcNow();
        var observed = _signals.Observe();
        var met = _options.Hard
            .Where(t => observed.TryGetValue(t.Signal, out var o) && t.IsMet(o))
            .ToList();
        var memoryMet = met.Any(t => EvictionSignals.IsMemory(t.Signal));
        var diskMet = met.Any(t => !EvictionSignals.IsMemory(t.Signal));
        _memoryLastMet = memoryMet ? now : _memoryLastMet;
        _diskLastMet = diskMet ? now : _diskLastMet;
        var memory = memoryMet || (_memoryLastMet is { } m && now - m < _options.PressureTransitionPeriod);
        var disk = diskMet || (_diskLastMet is { } d && now - d < _options.PressureTransitionPeriod);
        if (_state.Set(memory, disk))
        {
            LogPressure(memory, disk);
        }

        // Memory first, as the kubelet reclaims it before disk.
        var threshold = met.OrderBy(t => EvictionSignals.IsMemory(t.Signal) ? 0 : 1).FirstOrDefault();
        if (threshold is null)
        {
            return null;
        }

        var resource = EvictionSignals.Resource(threshold.Signal);
        _events?.Node("Warning", "EvictionThresholdMet", $"Attempting to reclaim {resource}");
        var victim = EvictionRanking.Rank(_pods.ActivePods(), resource, _ => null).FirstOrDefault();
        if (victim is null)
        {
            LogNothingToEvict(resource);
            return null;
        }

        var message = EvictionMessages.PodEvicted(threshold, observed[threshold.Signal], victim);
        LogEvicting(victim.Metadata.NamespaceProperty, victim.Metadata.Name, threshold.ToString());
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(_options.EvictionWait);
        try
        {
            await _pods.EvictAsync(victim, new PodEviction(message, DisruptionTarget: true), wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // It takes longer to stop than we wait; the signals are read again regardless.
        }

        return victim;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "node pressure now: memory {Memory}, disk {Disk}")]
    private partial void LogPressure(bool memory, bool disk);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "evicting pod {Namespace}/{Name}: threshold {Threshold} met")]
    private partial void LogEvicting(string @namespace, string name, string threshold);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "eviction threshold met for {Resource} but no pod can be evicted")]
    private partial void LogNothingToEvict(string resource);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "eviction check failed")]
    private partial void LogSyncFailed(Exception ex);
}
