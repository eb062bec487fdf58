namespace Capstan.Client.WorkQueue;

/// <summary>Decides how long a failed item waits before its next try.</summary>
public interface IRateLimiter<in T>
{
    /// <summary>The delay for this try; counts it as a failure.</summary>
    TimeSpan When(T item);

    /// <summary>Clears the item's failure history (after a success).</summary>
    void Forget(T item);

    /// <summary>How many failures the item has had since it was last forgotten.</summary>
    int NumRequeues(T item);
}
