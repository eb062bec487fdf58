using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Capstan.Network.Proxy;

/// <summary>
/// Relays a TCP connection pair with Linux <c>splice(2)</c>: socket → pipe → socket, so payload never enters user space.
/// Readiness comes from .NET's zero-byte receives (epoll underneath); a full send buffer, rare on a live peer, is waited
/// out with a short poll.
/// </summary>
internal static partial class SpliceRelay
{
    // Linux's default pipe capacity: one splice never moves more than the pipe holds.
    private const int PipeSize = 64 * 1024;
    private const uint SpliceMove = 1;
    private const uint SpliceNonBlock = 2;
    private const int OCloexec = 0x80000;
    private const int ONonBlock = 0x800;
    private const int EAgain = 11;
    private const int EIntr = 4;

    public static bool IsSupported { get; } = OperatingSystem.IsLinux();

    public static Task RelayAsync(Socket client, Socket upstream, BackendStats stats)
    {
        var toBackend = PumpAsync(client, upstream, stats, toBackend: true);
        var fromBackend = PumpAsync(upstream, client, stats, toBackend: false);
        return Task.WhenAll(toBackend, fromBackend);
    }

    private static async Task PumpAsync(Socket from, Socket to, BackendStats stats, bool toBackend)
    {
        var (pipeRead, pipeWrite) = CreatePipe();

        try
        {
            var fromFd = (int)from.Handle;
            var toFd = (int)to.Handle;
            while (true)
            {
                // Completes when data (or EOF) is waiting, without a buffer.
                await from.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None).ConfigureAwait(false);
                var read = Splice(fromFd, 0, pipeWrite, 0, PipeSize, SpliceMove | SpliceNonBlock);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                if (read < 0)
                {
                    var error = Marshal.GetLastPInvokeError();
                    if (error is EAgain or EIntr)
                    {
                        continue;
                    }

                    throw new SocketException(error);
                }

                var pending = read;
                while (pending > 0)
                {
                    var written = Splice(pipeRead, 0, toFd, 0, (nuint)pending, SpliceMove | SpliceNonBlock);
                    if (written > 0)
                    {
                        pending -= written;
                        continue;
                    }

                    var error = Marshal.GetLastPInvokeError();
                    if (written < 0 && error is EAgain or EIntr)
                    {
                        // The peer's receive window is full: wait for room off the I/O threads.
                        await Task.Run(() => to.Poll(10_000, SelectMode.SelectWrite)).ConfigureAwait(false);
                        continue;
                    }

                    throw new SocketException(written < 0 ? error : (int)SocketError.ConnectionReset);
                }

                if (toBackend)
                {
                    stats.AddBytesToBackend((int)read);
                }
                else
                {
                    stats.AddBytesFromBackend((int)read);
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            TcpFrontend.Reset(from);
            TcpFrontend.Reset(to);
        }
        finally
        {
            _ = Close(pipeRead);
            _ = Close(pipeWrite);
        }
    }

    private static unsafe (int Read, int Write) CreatePipe()
    {
        var fds = stackalloc int[2];
        if (Pipe2(fds, OCloexec | ONonBlock) != 0)
        {
            throw new SocketException(Marshal.GetLastPInvokeError());
        }

        return (fds[0], fds[1]);
    }

    [LibraryImport("libc", EntryPoint = "splice", SetLastError = true)]
    private static partial nint Splice(int fdIn, nint offIn, int fdOut, nint offOut, nuint length, uint flags);

    [LibraryImport("libc", EntryPoint = "pipe2", SetLastError = true)]
    private static unsafe partial int Pipe2(int* fds, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
