using System.Buffers;
using System.Net.Sockets;

namespace Capstan.Network.Proxy;

/// <summary>
/// Relays a TCP connection pair through pooled user-space buffers, one per direction. A FIN is passed on as a
/// half-close (shutdown of the other side's send), a reset or error resets both sides.
/// </summary>
internal static class BufferRelay
{
    /// <summary>Large enough for a typical HTTP response in one read; the pool hands the same arrays back and forth.</summary>
    private const int BufferSize = 16 * 1024;

    public static Task RelayAsync(Socket client, Socket upstream, BackendStats stats)
    {
        var toBackend = PumpAsync(client, upstream, stats, toBackend: true);
        var fromBackend = PumpAsync(upstream, client, stats, toBackend: false);
        return Task.WhenAll(toBackend, fromBackend);
    }

    private static async Task PumpAsync(Socket from, Socket to, BackendStats stats, bool toBackend)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (true)
            {
                var count = await from.ReceiveAsync(buffer.AsMemory(), SocketFlags.None).ConfigureAwait(false);
                if (count == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                await to.SendAsync(buffer.AsMemory(0, count), SocketFlags.None).ConfigureAwait(false);
                if (toBackend)
                {
                    stats.AddBytesToBackend(count);
                }
                else
                {
                    stats.AddBytesFromBackend(count);
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
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
