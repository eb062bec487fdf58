namespace Capstan.Client.WorkQueue;

public static class DefaultControllerRateLimiter
{
    /// <summary>client-go's default: per item 5 ms doubling to 1000 s, overall 10 retries a second with a burst of 100.</summary>
    public static IRateLimiter<T> Create<T>(TimeProvider time)
        where T : notnull =>
        new MaxOfRateLimiter<T>(
            new ExponentialFailureRateLimiter<T>(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1000)),
            new TokenBucketRateLimiter<T>(10, 100, time));
}
