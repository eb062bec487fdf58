using System.Buffers;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Capstan.Network.Proxy;

/// <summary>
/// Relays TCP connection pairs on a few dedicated event-loop threads (one per CPU), each with its own level-triggered
/// epoll set, the way haproxy and nginx do: a readable socket is read and the bytes written to its peer on the same
/// thread, with no thread-pool hop and no speculative reads. A write that would block parks the bytes, stops reading
/// that side and waits for EPOLLOUT on the peer (backpressure). FIN becomes a half-close of the peer; errors reset both.
/// </summary>
internal static unsafe partial class EpollRelay
{
    private const int BufferSize = 16 * 1024;
    private const int EpollCtlAdd = 1;
    private const int EpollCtlDel = 2;
    private const int EpollCtlMod = 3;
    private const uint EpollIn = 0x001;
    private const uint EpollOut = 0x004;
    private const uint EpollErr = 0x008;
    private const uint EpollHup = 0x010;
    private const uint EpollRdHup = 0x2000;
    private const int MsgNoSignal = 0x4000;
    private const int ShutWr = 1;
    private const int EAgain = 11;
    private const int EIntr = 4;
    private static readonly LingerOption s_reset = new(true, 0);
    private static readonly Lazy<Loop[]> s_loops = new(() => [.. Enumerable.Range(0, Math.Max(1, Environment.ProcessorCount)).Select(i => new Loop(i))]);
    private static int s_next;

    public static bool IsSupported { get; } = OperatingSystem.IsLinux();

    /// <summary>Completes when both directions have closed (or one failed); the caller then disposes both sockets.</summary>
    public static Task RelayAsync(Socket client, Socket upstream, BackendStats stats)
    {
        client.Blocking = false;
        upstream.Blocking = false;
        var loops = s_loops.Value;
        var loop = loops[(int)((uint)Interlocked.Increment(ref s_next) % (uint)loops.Length)];
        var pair = new Pair(client, upstream, stats);
        loop.Add(pair);
        return pair.Completion.Task;
    }

    [StructLayout(LayoutKind.Explicit, Size = 12, Pack = 1)]
    private struct EpollEvent
    {
        [FieldOffset(0)]
        public uint Events;

        [FieldOffset(4)]
        public nint Data;
    }

    private sealed class Side(Socket socket, bool toBackend)
    {
        public readonly Socket Socket = socket;
        public readonly int Fd = (int)socket.Handle;
        public readonly bool ToBackend = toBackend;
        public Side Peer = null!;
        public Pair Pair = null!;
        public GCHandle Handle;
        public byte[]? Buffer;

        /// <summary>Bytes read from this side not yet written to the peer: Buffer[PendingOffset..+PendingCount].</summary>
        public int PendingOffset;
        public int PendingCount;
        public bool ReadClosed;

        /// <summary>This side is the destination of parked bytes of its peer.</summary>
        public bool WantWrite;

        /// <summary>Out of the epoll set while paused after a hang-up (see Loop.Handle).</summary>
        public bool Detached;

        public uint Interest => (ReadClosed || PendingCount > 0 ? 0 : EpollIn | EpollRdHup) | (WantWrite ? EpollOut : 0);
    }

    private sealed class Pair
    {
        public readonly Side Client;
        public readonly Side Upstream;
        public readonly BackendStats Stats;
        public readonly TaskCompletionSource Completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public bool Done;

        public Pair(Socket client, Socket upstream, BackendStats stats)
        {
            Client = new Side(client, toBackend: true);
            Upstream = new Side(upstream, toBackend: false);
            Client.Peer = Upstream;
            Upstream.Peer = Client;
            Client.Pair = this;
            Upstream.Pair = this;
            Stats = stats;
        }
    }

    private sealed class Loop
    {
        private readonly int _epoll;
        private readonly System.Collections.Concurrent.ConcurrentQueue<GCHandle> _released = new();

        public Loop(int index)
        {
            _epoll = EpollCreate1(0x80000);
            if (_epoll < 0)
            {
                throw new SocketException(Marshal.GetLastPInvokeError());
            }

            new Thread(Run) { IsBackground = true, Name = "proxy-epoll-" + index }.Start();
        }

        public void Add(Pair pair)
        {
            foreach (var side in new[] { pair.Client, pair.Upstream })
            {
                side.Handle = GCHandle.Alloc(side);
                side.Buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            }

            // Events of the pair wait on the lock until both sides are registered.
            lock (pair)
            {
                if (!Control(EpollCtlAdd, pair.Upstream) || !Control(EpollCtlAdd, pair.Client))
                {
                    Finish(pair, reset: true);
                }
            }
        }

        private void Run()
        {
            const int MaxEvents = 256;
            var events = stackalloc EpollEvent[MaxEvents];
            while (true)
            {
                var count = EpollWait(_epoll, events, MaxEvents, -1);
                if (count < 0)
                {
                    if (Marshal.GetLastPInvokeError() == EIntr)
                    {
                        continue;
                    }

                    return;
                }

                for (var i = 0; i < count; i++)
                {
                    if (GCHandle.FromIntPtr(events[i].Data).Target is not Side side)
                    {
                        continue;
                    }

                    // Add runs on another thread; the lock orders it before the first event of the pair.
                    lock (side.Pair)
                    {
                        if (!side.Pair.Done)
                        {
                            Handle(side, events[i].Events);
                        }
                    }
                }

                while (_released.TryDequeue(out var handle))
                {
                    handle.Free();
                }
            }
        }

        private void Handle(Side side, uint events)
        {
            var pair = side.Pair;
            if ((events & EpollErr) != 0)
            {
                Finish(pair, reset: true);
                return;
            }

            if ((events & EpollOut) != 0 && side.WantWrite && !Flush(side.Peer))
            {
                return;
            }

            if ((events & (EpollIn | EpollRdHup | EpollHup)) == 0)
            {
                return;
            }

            if (side.ReadClosed || side.PendingCount > 0)
            {
                // Not reading this side now, but epoll reports a hang-up whatever the interest. A paused side whose
                // remote sent its last bytes and FIN leaves the set until its parked bytes are through (then it is
                // read to the end); a hang-up of a side we still write to means those bytes cannot arrive.
                if ((events & EpollHup) != 0)
                {
                    if (!side.ReadClosed && !side.WantWrite)
                    {
                        _ = EpollCtl(_epoll, EpollCtlDel, side.Fd, null);
                        side.Detached = true;
                    }
                    else
                    {
                        Finish(pair, reset: true);
                    }
                }

                return;
            }

            Read(side);
        }

        private void Read(Side side)
        {
            var pair = side.Pair;
            nint read;
            fixed (byte* buffer = side.Buffer)
            {
                read = Recv(side.Fd, buffer, BufferSize, 0);
            }

            if (read < 0)
            {
                var error = Marshal.GetLastPInvokeError();
                if (error is not (EAgain or EIntr))
                {
                    Finish(pair, reset: true);
                }

                return;
            }

            if (read == 0)
            {
                side.ReadClosed = true;
                _ = Shutdown(side.Peer.Fd, ShutWr);
                if (side.Peer.ReadClosed)
                {
                    Finish(pair, reset: false);
                    return;
                }

                Control(EpollCtlMod, side);
                return;
            }

            if (side.ToBackend)
            {
                pair.Stats.AddBytesToBackend((int)read);
            }
            else
            {
                pair.Stats.AddBytesFromBackend((int)read);
            }

            side.PendingOffset = 0;
            side.PendingCount = (int)read;
            Flush(side);
        }

        // Writes the parked bytes of `from` to its peer; parks what does not fit and switches interests. False when
        // the pair ended.
        private bool Flush(Side from)
        {
            var to = from.Peer;
            var pair = from.Pair;
            while (from.PendingCount > 0)
            {
                nint written;
                fixed (byte* buffer = from.Buffer)
                {
                    written = Send(to.Fd, buffer + from.PendingOffset, (nuint)from.PendingCount, MsgNoSignal);
                }

                if (written < 0)
                {
                    var error = Marshal.GetLastPInvokeError();
                    if (error == EIntr)
                    {
                        continue;
                    }

                    if (error != EAgain)
                    {
                        Finish(pair, reset: true);
                        return false;
                    }

                    if (!to.WantWrite)
                    {
                        to.WantWrite = true;
                        Control(EpollCtlMod, to);
                        Control(EpollCtlMod, from);
                    }

                    return true;
                }

                from.PendingOffset += (int)written;
                from.PendingCount -= (int)written;
            }

            if (to.WantWrite)
            {
                to.WantWrite = false;
                Control(EpollCtlMod, to);
                Control(from.Detached ? EpollCtlAdd : EpollCtlMod, from);
                from.Detached = false;
            }

            return true;
        }

        private bool Control(int operation, Side side)
        {
            var e = new EpollEvent { Events = side.Interest, Data = GCHandle.ToIntPtr(side.Handle) };
            return EpollCtl(_epoll, operation, side.Fd, &e) == 0;
        }

        private void Finish(Pair pair, bool reset)
        {
            if (pair.Done)
            {
                return;
            }

            pair.Done = true;
            foreach (var side in new[] { pair.Client, pair.Upstream })
            {
                _ = EpollCtl(_epoll, EpollCtlDel, side.Fd, null);
                if (reset)
                {
                    try
                    {
                        side.Socket.LingerState = s_reset;
                    }
                    catch (Exception e) when (e is SocketException or ObjectDisposedException)
                    {
                    }
                }

                if (side.Buffer is not null)
                {
                    ArrayPool<byte>.Shared.Return(side.Buffer);
                    side.Buffer = null;
                }
            }

            // Events of this pair already fetched in the current batch find Done set (under the lock) and skip; the
            // handles are freed once the batch is through.
            _released.Enqueue(pair.Client.Handle);
            _released.Enqueue(pair.Upstream.Handle);
            pair.Completion.TrySetResult();
        }
    }

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    private static partial int EpollCreate1(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    private static partial int EpollCtl(int epoll, int operation, int fd, EpollEvent* e);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    private static partial int EpollWait(int epoll, EpollEvent* events, int maxEvents, int timeout);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static partial nint Recv(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    private static partial nint Send(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "shutdown", SetLastError = true)]
    private static partial int Shutdown(int fd, int how);
}
