using System.Net;
using System.Net.Sockets;
using System.Text;
using Capstan.Agent.Runtime.Cri;
using Capstan.Agent.Streaming.Spdy;

namespace Capstan.Agent.Cri.Tests;

/// <summary>The SPDY remote-command client against an in-process stand-in for the runtime's streaming server.</summary>
public sealed class CriSpdyStreamSessionTests
{
    private const string ExitNine =
        """{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"9"}]}}""";

    [Fact]
    public async Task ConnectAsync_Server_OpensTypedOddStreamsAndHalfClosesStdin()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            var server = ServeAsync(listener, cts.Token);

            await using var session = await CriSpdyStreamSession.ConnectAsync(
                new Uri($"http://127.0.0.1:{port}/exec/token"), stdin: true, stdout: true, stderr: true, tty: false, attachedExit: null, cts.Token);
            var stdout = new StreamReader(session.Stdout!).ReadToEndAsync(cts.Token);
            var stderr = new StreamReader(session.Stderr!).ReadToEndAsync(cts.Token);
            await session.Stdin!.WriteAsync(Encoding.UTF8.GetBytes("abc"), cts.Token);
            await session.Stdin.DisposeAsync();

            Assert.Equal("abc", await stdout);
            Assert.Equal("done", await stderr);
            Assert.Equal(9, await session.Completion.WaitAsync(cts.Token));
            var (request, streams) = await server;
            Assert.StartsWith("POST /exec/token HTTP/1.1\r\n", request, StringComparison.Ordinal);
            Assert.Contains("Upgrade: SPDY/3.1\r\n", request, StringComparison.Ordinal);
            Assert.Contains("X-Stream-Protocol-Version: v4.channel.k8s.io\r\n", request, StringComparison.Ordinal);
            Assert.Equal(["1=error", "3=stdin", "5=stdout", "7=stderr"], streams);
        }
        finally
        {
            listener.Stop();
        }
    }

    /// <summary>Accepts the upgrade and the four streams, echoes stdin to stdout once it is half-closed, then exits 9.</summary>
    private static async Task<(string Request, List<string> Streams)> ServeAsync(TcpListener listener, CancellationToken ct)
    {
        using var client = await listener.AcceptTcpClientAsync(ct);
        var stream = client.GetStream();
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < 4 || !head.TakeLast(4).SequenceEqual("\r\n\r\n"u8.ToArray()))
        {
            await stream.ReadExactlyAsync(one, ct);
            head.Add(one[0]);
        }

        await stream.WriteAsync("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n"u8.ToArray(), ct);
        using var spdy = new SpdyConnection(stream);
        var streams = new List<string>();
        var ids = new Dictionary<string, uint>();
        var input = new MemoryStream();
        while (true)
        {
            var frame = await spdy.ReadFrameAsync(ct) ?? throw new InvalidOperationException("client went away");
            if (frame is { IsControl: true, Type: SpdyFrameType.SynStream })
            {
                var type = spdy.SynStreamHeaders(frame).Single(h => h.Key == "streamtype").Value;
                streams.Add($"{frame.StreamId}={type}");
                ids[type] = frame.StreamId;
                await spdy.SendSynReplyAsync(frame.StreamId, ct);
            }
            else if (!frame.IsControl && frame.StreamId == ids["stdin"])
            {
                input.Write(frame.Payload);
                if (frame.Fin)
                {
                    break;
                }
            }
        }

        await spdy.SendDataAsync(ids["stdout"], input.ToArray(), fin: true, ct);
        await spdy.SendDataAsync(ids["stderr"], "done"u8.ToArray(), fin: true, ct);
        await spdy.SendDataAsync(ids["error"], Encoding.UTF8.GetBytes(ExitNine), fin: true, ct);
        return (Encoding.ASCII.GetString([.. head]), streams);
    }
}
