namespace Capstan.Client.WorkQueue;

/// <summary>
/// Per-item exponential backoff: baseDelay * 2^failures, capped. With the defaults 5 ms and 1000 s the tries wait
/// 5, 10, 20, 40 ms ... and reach the cap after 18 failures (5 ms * 2^18 = 1310 s > 1000 s).
/// </summary>
public sealed class ExponentialFailureRateLimiter<T>(TimeSpan baseDelay, TimeSpan maxDelay) : IRateLimiter<T>
    where T : notnull
{
    private readonly Lock _lock = new();
    private readonly Dictionary<T, int> _failures = [];

    public TimeSpan When(T item)
    {
        int exponent;
        lock (_lock)
        {
            exponent = _failures.GetValueOrDefault(item);
            _failures[item] = exponent + 1;
        }

        // Past 2^62 ticks the product overflows; anything that large is past the cap anyway.
        if (exponent >= 62)
        {
            return maxDelay;
        }

        var ticks = baseDelay.Ticks * Math.Pow(2, exponent);
        return ticks >= maxDelay.Ticks ? maxDelay : TimeSpan.FromTicks((long)ticks);
    }

    public void Forget(T item)
    {
        lock (_lock)
        {
            _failures.Remove(item);
        }
    }

    public int NumRequeues(T item)
    {
        lock (_lock)
        {
            return _failures.GetValueOrDefault(item);
        }
    }
}
