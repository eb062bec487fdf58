namespace Capstan.Client.WorkQueue;

/// <summary>
/// client-go's work queue: an item added many times before a worker takes it is handed out once (dirty set); an item a
/// worker holds is never handed to another worker at the same time (processing set) — added meanwhile, it comes back
/// after <see cref="Done"/>; <see cref="AddAfter"/> delays an add on the injected clock; <see cref="AddRateLimited"/>
/// delays it by the rate limiter; <see cref="Forget"/> clears an item's failure history.
/// </summary>
public sealed class RateLimitingQueue<T> : IDisposable
    where T : notnull
{
    private readonly Lock _lock = new();
    private readonly Queue<T> _queue = new();
    private readonly HashSet<T> _dirty = [];
    private readonly HashSet<T> _processing = [];
    private readonly Dictionary<T, Delayed> _waiting = [];
    private readonly SemaphoreSlim _ready = new(0);
    private readonly CancellationTokenSource _shutdown = new();
    private readonly IRateLimiter<T> _rateLimiter;
    private readonly TimeProvider _time;

    public RateLimitingQueue(IRateLimiter<T>? rateLimiter = null, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _rateLimiter = rateLimiter ?? DefaultControllerRateLimiter.Create<T>(_time);
    }

    /// <summary>Items waiting to be handed out (not counting delayed ones or ones being processed).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count;
            }
        }
    }

    public bool ShuttingDown => _shutdown.IsCancellationRequested;

    public void Add(T item)
    {
        lock (_lock)
        {
            if (ShuttingDown || !_dirty.Add(item) || _processing.Contains(item))
            {
                return;
            }

            _queue.Enqueue(item);
        }

        _ready.Release();
    }

    /// <summary>Adds the item once <paramref name="delay"/> has passed; an earlier pending add of the same item wins.</summary>
    public void AddAfter(T item, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            Add(item);
            return;
        }

        lock (_lock)
        {
            if (ShuttingDown)
            {
                return;
            }

            var due = _time.GetUtcNow() + delay;
            if (_waiting.TryGetValue(item, out var existing))
            {
                if (existing.Due <= due)
                {
                    return;
                }

                existing.Timer.Dispose();
            }

            var delayed = new Delayed(due);
            delayed.Timer = _time.CreateTimer(_ => Fire(item, delayed), null, delay, Timeout.InfiniteTimeSpan);
            _waiting[item] = delayed;
        }
    }

    /// <summary>Adds the item after the rate limiter's delay for it (a retry after a failure).</summary>
    public void AddRateLimited(T item) => AddAfter(item, _rateLimiter.When(item));

    /// <summary>Clears the item's failure history (after it was processed successfully).</summary>
    public void Forget(T item) => _rateLimiter.Forget(item);

    public int NumRequeues(T item) => _rateLimiter.NumRequeues(item);

    /// <summary>
    /// Waits for an item and marks it as being processed; the caller must call <see cref="Done"/> for it.
    /// Returns ShutDown = true once the queue is shut down and drained.
    /// </summary>
    public async Task<(T Item, bool ShutDown)> GetAsync(CancellationToken ct)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _shutdown.Token);
        try
        {
            await _ready.WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // Shut down: still hand out what is queued, then report the end.
        }

        ct.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (!_queue.TryDequeue(out var item))
            {
                return (default!, true);
            }

            _processing.Add(item);
            _dirty.Remove(item);
            return (item, false);
        }
    }

    /// <summary>Ends processing of an item; if it was added again meanwhile it goes back in the queue.</summary>
    public void Done(T item)
    {
        lock (_lock)
        {
            _processing.Remove(item);
            if (!_dirty.Contains(item))
            {
                return;
            }

            _queue.Enqueue(item);
        }

        _ready.Release();
    }

    /// <summary>Stops accepting items; workers drain what is queued and then get ShutDown = true.</summary>
    public void ShutDown()
    {
        lock (_lock)
        {
            foreach (var delayed in _waiting.Values)
            {
                delayed.Timer.Dispose();
            }

            _waiting.Clear();
        }

        _shutdown.Cancel();
    }

    public void Dispose()
    {
        ShutDown();
        _shutdown.Dispose();
        _ready.Dispose();
    }

    private void Fire(T item, Delayed delayed)
    {
        lock (_lock)
        {
            if (!_waiting.TryGetValue(item, out var current) || !ReferenceEquals(current, delayed))
            {
                return;
            }

            _waiting.Remove(item);
            delayed.Timer.Dispose();
        }

        Add(item);
    }

    private sealed class Delayed(DateTimeOffset due)
    {
        public DateTimeOffset Due { get; } = due;

        public ITimer Timer { get; set; } = null!;
    }
}
