using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using static Capstan.Network.Ingress.Http1.Http1Native;

namespace Capstan.Network.Ingress.Http1;

/// <summary>
/// One thread with its own level-triggered epoll set, running the sessions handed to it and a pool of idle keep-alive
/// connections per backend endpoint. Everything here runs on that thread (except <see cref="Add"/>), so nothing locks.
/// </summary>
internal sealed unsafe class Http1EventLoop
{
    private const int SweepIntervalMs = 1000;
    private readonly int _epoll;
    private readonly Thread _thread;
    private readonly ConcurrentQueue<Http1Session> _incoming = new();
    private readonly List<Http1Session> _sessions = [];
    private readonly Dictionary<IPEndPoint, Stack<Http1Upstream>> _pools = [];
    private readonly ConcurrentQueue<GCHandle> _released = new();
    private readonly Stack<byte[]> _buffers = new();
    private volatile bool _stopping;

    public Http1EventLoop(int index, IHttp1Router router, Http1ForwarderOptions options)
    {
        Router = router;
        Options = options;
        _epoll = EpollCreate1(0x80000);
        if (_epoll < 0)
        {
            throw new SocketException(Marshal.GetLastPInvokeError());
        }

        _thread = new Thread(Run) { IsBackground = true, Name = "ingress-http1-" + index };
        _thread.Start();
    }

    public IHttp1Router Router { get; }

    public Http1ForwarderOptions Options { get; }

    /// <summary>Takes a freshly accepted connection (called on the accept thread).</summary>
    public void Add(Http1Session session)
    {
        // Marked as in the set before epoll_ctl returns: the loop thread may already be handling the first request and
        // changing the interest, which must then modify the entry (a second add fails, and that reset the client).
        const uint interest = EpollIn | EpollRdHup;
        session.InEpoll = true;
        session.Registered = interest;
        _incoming.Enqueue(session);
        if (!Control(session, EpollCtlAdd, interest))
        {
            session.InEpoll = false;
            session.Abort();
        }
    }

    /// <summary>Registers or changes what epoll reports for <paramref name="socket"/>; false when epoll refused.</summary>
    public bool SetInterest(Http1Socket socket, uint interest)
    {
        if ((socket.InEpoll && socket.Registered == interest) || socket.Closed)
        {
            return true;
        }

        if (!Control(socket, socket.InEpoll ? EpollCtlMod : EpollCtlAdd, interest))
        {
            return false;
        }

        socket.InEpoll = true;
        socket.Registered = interest;
        return true;
    }

    private bool Control(Http1Socket socket, int operation, uint interest)
    {
        var e = new EpollEvent { Events = interest, Data = GCHandle.ToIntPtr(socket.Handle) };
        return EpollCtl(_epoll, operation, socket.Fd, &e) == 0;
    }

    public void Remove(Http1Socket socket)
    {
        if (socket.InEpoll)
        {
            _ = EpollCtl(_epoll, EpollCtlDel, socket.Fd, null);
            socket.InEpoll = false;
        }

        // Events of this socket already fetched in the current batch find it Closed and skip; the handle goes after.
        _released.Enqueue(socket.Handle);
    }

    /// <summary>An idle pooled connection to <paramref name="endPoint"/>, or a new one connecting; null when connect failed at once.</summary>
    public Http1Upstream? Upstream(IPEndPoint endPoint, out bool pooled)
    {
        pooled = false;
        if (_pools.TryGetValue(endPoint, out var pool))
        {
            while (pool.TryPop(out var idle))
            {
                if (!idle.Closed)
                {
                    pooled = true;
                    return idle;
                }
            }
        }

        return Http1Upstream.Connect(this, endPoint);
    }

    public void ReturnToPool(Http1Upstream upstream)
    {
        upstream.Owner = null;
        upstream.Since = Environment.TickCount64;
        if (!SetInterest(upstream, EpollIn | EpollRdHup))
        {
            upstream.Close(reset: true);
            return;
        }

        if (!_pools.TryGetValue(upstream.EndPoint, out var pool))
        {
            _pools[upstream.EndPoint] = pool = new Stack<Http1Upstream>();
        }

        pool.Push(upstream);
    }

    /// <summary>A buffer of <see cref="Http1ForwarderOptions.BufferSize"/> from this loop's own free list.</summary>
    public byte[] RentBuffer() => _buffers.TryPop(out var buffer) ? buffer : new byte[Options.BufferSize];

    public void ReturnBuffer(byte[] buffer)
    {
        if (_buffers.Count < 1024)
        {
            _buffers.Push(buffer);
        }
    }

    /// <summary>Asks the loop to abort its sessions and end; it does so within one sweep interval.</summary>
    public void Stop() => _stopping = true;

    public bool Join(TimeSpan timeout) => _thread.Join(timeout);

    private void Run()
    {
        const int MaxEvents = 256;
        var events = stackalloc EpollEvent[MaxEvents];
        var nextSweep = Environment.TickCount64 + SweepIntervalMs;
        while (!_stopping)
        {
            var count = EpollWait(_epoll, events, MaxEvents, SweepIntervalMs);
            if (count < 0 && Marshal.GetLastPInvokeError() != EIntr)
            {
                break;
            }

            while (_incoming.TryDequeue(out var session))
            {
                _sessions.Add(session);
            }

            for (var i = 0; i < count; i++)
            {
                if (GCHandle.FromIntPtr(events[i].Data).Target is Http1Socket { Closed: false } socket)
                {
                    socket.OnEvents(events[i].Events);
                }
            }

            while (_released.TryDequeue(out var handle))
            {
                handle.Free();
            }

            if (Environment.TickCount64 >= nextSweep)
            {
                Sweep(Environment.TickCount64);
                nextSweep = Environment.TickCount64 + SweepIntervalMs;
            }
        }

        while (_incoming.TryDequeue(out var session))
        {
            _sessions.Add(session);
        }

        foreach (var session in _sessions)
        {
            session.Abort();
        }

        foreach (var upstream in _pools.Values.SelectMany(p => p))
        {
            upstream.Close(reset: false);
        }

        while (_released.TryDequeue(out var handle))
        {
            handle.Free();
        }

        _ = Close(_epoll);
    }

    // Timeouts: sessions check their own (connect, idle keep-alive, slow heads); pooled connections idle too long close.
    private void Sweep(long now)
    {
        _sessions.RemoveAll(s => s.IsClosed);
        foreach (var session in _sessions.ToArray())
        {
            session.CheckTimeouts(now);
        }

        _sessions.RemoveAll(s => s.IsClosed);
        foreach (var (endPoint, pool) in _pools.ToList())
        {
            var keep = pool.Where(u => !u.Closed && now - u.Since < Options.PooledIdleTimeout.TotalMilliseconds).Reverse().ToList();
            foreach (var expired in pool.Where(u => !u.Closed && !keep.Contains(u)))
            {
                expired.Close(reset: false);
            }

            if (keep.Count == 0)
            {
                _pools.Remove(endPoint);
            }
            else
            {
                _pools[endPoint] = new Stack<Http1Upstream>(keep);
            }
        }

        while (_released.TryDequeue(out var handle))
        {
            handle.Free();
        }
    }
}
