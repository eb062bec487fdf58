namespace Capstan.Agent.Pods;

/// <summary>An auto-reset wake-up for one worker loop: any number of <see cref="Set"/> calls before a wait end one wait.</summary>
internal sealed class WakeSignal
{
    private readonly Lock _lock = new();
    private bool _signaled;
    private TaskCompletionSource? _waiter;

    public void Set()
    {
        TaskCompletionSource? waiter;
        lock (_lock)
        {
            _signaled = true;
            waiter = _waiter;
        }

        waiter?.TrySetResult();
    }

    /// <summary>Returns when signalled or after <paramref name="timeout"/>.</summary>
    public async Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken ct)
    {
        TaskCompletionSource waiter;
        lock (_lock)
        {
            if (_signaled)
            {
                _signaled = false;
                return;
            }

            waiter = _waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var delay = Task.Delay(timeout < TimeSpan.Zero ? TimeSpan.Zero : timeout, time, cts.Token);
        await Task.WhenAny(waiter.Task, delay).ConfigureAwait(false);
        await cts.CancelAsync().ConfigureAwait(false);
        lock (_lock)
        {
            _signaled = false;
            _waiter = null;
        }

        ct.ThrowIfCancellationRequested();
    }
}
