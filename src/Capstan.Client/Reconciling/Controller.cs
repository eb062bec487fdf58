using Capstan.Client.Informers;
using Capstan.Client.WorkQueue;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Capstan.Client.Reconciling;

/// <summary>
/// A level-triggered controller: informer handlers put keys on <see cref="Queue"/>; once every informer in
/// <see cref="Informers"/> has synced, <see cref="Workers"/> workers take keys and call <see cref="ReconcileAsync"/>.
/// A success forgets the key's failures; an exception puts it back with backoff. The queue never hands one key to two workers at once.
/// </summary>
public abstract partial class Controller : BackgroundService
{
    private readonly ILogger _logger;

    protected Controller(string name, int workers, ILogger logger, TimeProvider? time = null)
    {
        Name = name;
        Workers = workers;
        _logger = logger;
        Time = time ?? TimeProvider.System;
        Queue = new RateLimitingQueue<string>(DefaultControllerRateLimiter.Create<string>(Time), Time);
    }

    public string Name { get; }

    public int Workers { get; }

    protected TimeProvider Time { get; }

    protected RateLimitingQueue<string> Queue { get; }

    /// <summary>The informers whose caches must be synced before the workers start (known after <see cref="InitializeAsync"/>).</summary>
    protected abstract IReadOnlyCollection<DynamicInformer> Informers { get; }

    /// <summary>Brings one key's world closer to what it should be; safe to call again at any time.</summary>
    protected abstract Task<ReconcileResult> ReconcileAsync(string key, CancellationToken ct);

    /// <summary>Set-up before waiting for the caches (discovery, creating informers); the default does nothing.</summary>
    protected virtual Task InitializeAsync(CancellationToken ct) => Task.CompletedTask;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await InitializeWithRetryAsync(stoppingToken).ConfigureAwait(false);
            await Task.WhenAll(Informers.Select(i => i.WaitForSyncAsync(stoppingToken))).ConfigureAwait(false);
            LogStarted(Name, Workers);
            await Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => Task.Run(() => WorkAsync(stoppingToken), CancellationToken.None))).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            Queue.ShutDown();
        }
    }

    public override void Dispose()
    {
        Queue.Dispose();
        base.Dispose();
        GC.SuppressFinalize(this);
    }

    // The API may not answer yet (a server still starting): keep trying, as a controller that gave up would never run.
    private async Task InitializeWithRetryAsync(CancellationToken ct)
    {
        var delay = TimeSpan.FromMilliseconds(500);
        while (true)
        {
            try
            {
                await InitializeAsync(ct).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                LogInitializeFailed(ex, Name, delay.TotalMilliseconds);
            }

            await Task.Delay(delay, Time, ct).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
        }
    }

    private async Task WorkAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var (key, shutDown) = await Queue.GetAsync(ct).ConfigureAwait(false);
            if (shutDown)
            {
                return;
            }

            try
            {
                using var scope = _logger.BeginScope("{Controller} {Key}", Name, key);
                var result = await ReconcileAsync(key, ct).ConfigureAwait(false);
                Queue.Forget(key);
                if (result.RequeueAfter is { } delay)
                {
                    Queue.AddAfter(key, delay);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogReconcileFailed(ex, Name, key, Queue.NumRequeues(key));
                Queue.AddRateLimited(key);
            }
            finally
            {
                Queue.Done(key);
            }
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "{Controller} caches synced; starting {Workers} workers")]
    private partial void LogStarted(string controller, int workers);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "{Controller} failed to reconcile {Key} (earlier failures: {Requeues}); retrying with backoff")]
    private partial void LogReconcileFailed(Exception ex, string controller, string key, int requeues);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "{Controller} failed to start; retrying in {DelayMs} ms")]
    private partial void LogInitializeFailed(Exception ex, string controller, double delayMs);
}
