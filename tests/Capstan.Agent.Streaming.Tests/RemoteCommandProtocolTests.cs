namespace Capstan.Agent.Streaming.Tests;

public sealed class RemoteCommandProtocolTests
{
    [Theory]
    [InlineData("v5.channel.k8s.io", "v5.channel.k8s.io")]
    [InlineData("v4.channel.k8s.io,v5.channel.k8s.io", "v5.channel.k8s.io")]
    [InlineData("v4.channel.k8s.io", "v4.channel.k8s.io")]
    [InlineData("channel.k8s.io", null)]
    [InlineData("", null)]
    public void Negotiate_PrefersV5(string requested, string? expected)
    {
        Assert.Equal(expected, RemoteCommandProtocol.Negotiate(requested.Split(' ', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public void Frame_PutsTheChannelFirst()
    {
        Assert.Equal(new byte[] { 2, (byte)'x', (byte)'y' }, RemoteCommandProtocol.Frame(RemoteCommandProtocol.Stderr, "xy"u8));
    }

    [Fact]
    public void IsCloseSignal_OnlyInV5()
    {
        Assert.True(RemoteCommandProtocol.IsCloseSignal(RemoteCommandProtocol.V5, [255, 0], out var channel));
        Assert.Equal(RemoteCommandProtocol.Stdin, channel);
        Assert.False(RemoteCommandProtocol.IsCloseSignal(RemoteCommandProtocol.V4, [255, 0], out _));
        Assert.False(RemoteCommandProtocol.IsCloseSignal(RemoteCommandProtocol.V5, [255, 0, 1], out _));
        Assert.False(RemoteCommandProtocol.IsCloseSignal(RemoteCommandProtocol.V5, [0, 0], out _));
    }

    [Fact]
    public void ParseSizes_ReadsEncoderOutput()
    {
        var sizes = RemoteCommandSession.ParseSizes("{\"Width\":80,\"Height\":24}\n{\"Width\":100,\"Height\":30}\n"u8);
        Assert.Equal([(80, 24), (100, 30)], sizes.Select(s => ((int)s.Width, (int)s.Height)));
        Assert.Empty(RemoteCommandSession.ParseSizes("not json"u8));
    }
}
