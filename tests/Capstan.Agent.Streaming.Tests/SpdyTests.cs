using Capstan.Agent.Streaming.Spdy;

namespace Capstan.Agent.Streaming.Tests;

public sealed class SpdyTests
{
    [Fact]
    public void Decode_BlocksCompressedWithTheSpdyDictionary_ReadsTheHeaders()
    {
        // Two consecutive header blocks of one zlib stream with the SPDY/3 dictionary and a sync flush after each,
        // as Go's SPDY framer writes them (made with zlib's compressobj(9, zdict=dictionary)).
        var first = Convert.FromHexString("78f9e3c6a7c202253a703a2b294a4dcc851625aca9a0808614cb45e01c6061606100a4398b20d198094ade8c0600000000ffff");
        var second = Convert.FromHexString("c2aa19540e2512d60b000000ffff");
        using var compression = new SpdyHeaderCompression();

        var headers = compression.Decode(first);
        Assert.Equal([new("streamtype", "error"), new("port", "8080"), new("requestid", "0")], headers);
        Assert.Equal([new("streamtype", "data"), new("port", "8080"), new("requestid", "0")], compression.Decode(second));
    }

    [Fact]
    public void Encode_ThenDecode_RoundTrips()
    {
        using var sender = new SpdyHeaderCompression();
        using var receiver = new SpdyHeaderCompression();
        Assert.Empty(receiver.Decode(sender.Encode([])));
        Assert.Equal([new("port", "80")], receiver.Decode(sender.Encode([new("Port", "80")])));
    }

    [Fact]
    public async Task Frames_WrittenAndRead_RoundTrip()
    {
        var pipe = new System.IO.Pipelines.Pipe();
        using var writer = new SpdyConnection(pipe.Writer.AsStream());
        using var reader = new SpdyConnection(pipe.Reader.AsStream());
        await writer.SendSynStreamAsync(1, [new("streamtype", "data")], CancellationToken.None);
        await writer.SendDataAsync(1, "abc"u8.ToArray(), fin: true, CancellationToken.None);
        await writer.SendPingAsync([0, 0, 0, 7], CancellationToken.None);

        var syn = (await reader.ReadFrameAsync(CancellationToken.None))!;
        Assert.Equal((true, SpdyFrameType.SynStream, 1u), (syn.IsControl, syn.Type, syn.StreamId));
        Assert.Equal([new("streamtype", "data")], reader.SynStreamHeaders(syn));
        var data = (await reader.ReadFrameAsync(CancellationToken.None))!;
        Assert.Equal((false, 1u, true), (data.IsControl, data.StreamId, data.Fin));
        Assert.Equal("abc"u8.ToArray(), data.Payload);
        var ping = (await reader.ReadFrameAsync(CancellationToken.None))!;
        Assert.Equal(SpdyFrameType.Ping, ping.Type);
        Assert.Equal(new byte[] { 0, 0, 0, 7 }, ping.Payload);
    }
}
