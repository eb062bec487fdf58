using k8s.Models;

namespace Capstan.Agent.Probes;

/// <summary>
/// Probes one running container with one probe until stopped: waits out initialDelaySeconds from the container's start,
/// then probes every periodSeconds, feeding outcomes through the thresholds. Liveness and readiness wait for the startup
/// probe (when there is one) to succeed; the startup probe stops once it has.
/// </summary>
internal sealed class ProbeWorker : IAsyncDisposable
{
    private readonly V1Probe _probe;
    private readonly V1Container _container;
    private readonly string _podIp;
    private readonly string _containerId;
    private readonly DateTimeOffset _startedAt;
    private readonly ProbeHandlers _handlers;
    private readonly TimeProvider _time;
    private readonly Func<bool> _started;
    private readonly Action<ProbeWorker, ProbeOutcome, bool> _onOutcome;
    private readonly CancellationTokenSource _stop = new();
    private readonly ProbeThreshold _threshold;
    private Task _loop = Task.CompletedTask;

    /// <param name="started">Whether the container counts as started (its startup probe passed); liveness and readiness probe only then.</param>
    /// <param name="onOutcome">Called after every probe with the outcome and whether the result changed.</param>
    /// <param name="initial">The result before the first probe; by default Kubernetes' (see below). An adopted container starts from what was reported.</param>
    public ProbeWorker(ProbeKind kind, V1Probe probe, V1Container container, string podIp, string containerId, DateTimeOffset startedAt,
        ProbeHandlers handlers, TimeProvider time, Func<bool> started, Action<ProbeWorker, ProbeOutcome, bool> onOutcome, ProbeResult? initial = null)
    {
        Kind = kind;
        _probe = probe;
        _container = container;
        _podIp = podIp;
        _containerId = containerId;
        _startedAt = startedAt;
        _handlers = handlers;
        _time = time;
        _started = started;
        _onOutcome = onOutcome;

        // Kubernetes' initial results: not ready until a readiness probe succeeds, alive until liveness fails, not started until startup succeeds.
        _threshold = new ProbeThreshold(
            kind == ProbeKind.Readiness ? probe.SuccessThreshold ?? 1 : 1,
            probe.FailureThreshold ?? 3,
            initial ?? kind switch { ProbeKind.Liveness => ProbeResult.Success, ProbeKind.Readiness => ProbeResult.Failure, _ => ProbeResult.Unknown });
    }

    public ProbeKind Kind { get; }

    public ProbeResult Result => _threshold.Current;

    public V1Probe Probe => _probe;

    /// <summary>Starts probing; a startup probe that already passed (an adopted container's) does not run again.</summary>
    public void Start()
    {
        if (Kind == ProbeKind.Startup && _threshold.Current == ProbeResult.Success)
        {
            return;
        }

        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    private async Task RunAsync(CancellationToken ct)
    {
        try
        {
            var initialDelay = _startedAt + TimeSpan.FromSeconds(Math.Max(0, _probe.InitialDelaySeconds ?? 0)) - _time.GetUtcNow();
            if (initialDelay > TimeSpan.Zero)
            {
                await Task.Delay(initialDelay, _time, ct).ConfigureAwait(false);
            }

            var period = TimeSpan.FromSeconds(Math.Max(1, _probe.PeriodSeconds ?? 10));
            while (!ct.IsCancellationRequested)
            {
                if (Kind == ProbeKind.Startup || _started())
                {
                    ProbeOutcome outcome;
                    try
                    {
                        outcome = await _handlers.RunAsync(_probe, _container, _podIp, _containerId, ct).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (!ct.IsCancellationRequested)
                    {
                        outcome = ProbeOutcome.Fail(ex.Message);
                    }

                    if (ct.IsCancellationRequested)
                    {
                        return;
                    }

                    bool changed;
                    lock (_threshold)
                    {
                        changed = _threshold.Record(outcome.Result);
                    }

                    _onOutcome(this, outcome, changed);
                    if (Kind == ProbeKind.Startup && _threshold.Current == ProbeResult.Success)
                    {
                        return;
                    }
                }

                // Until started, liveness and readiness re-check the gate often so they begin right after the startup probe passes.
                var wait = Kind != ProbeKind.Startup && !_started() ? TimeSpan.FromMilliseconds(Math.Min(period.TotalMilliseconds, 100)) : period;
                await Task.Delay(wait, _time, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}
