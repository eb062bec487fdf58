using System.Net;
using Capstan.TestServer.Cli;

namespace Capstan.TestServer.Tests.Cli;

public sealed class ServeOptionsTests
{
    [Fact]
    public void Parse_NoFlagsNoPodIp_DefaultsToAnyOn8080()
    {
        var options = ServeOptions.Parse([], podIp: null);

        Assert.Equal(IPAddress.Any, options.Address);
        Assert.Equal(8080, options.Port);
        Assert.Null(options.UdpPort);
        Assert.Null(options.ReadyAfter);
        Assert.False(options.IgnoreTerm);
        Assert.Equal(TimeSpan.Zero, options.TermDelay);
    }

    [Fact]
    public void Parse_PodIpSet_BindsIt()
    {
        Assert.Equal(IPAddress.Parse("10.42.0.7"), ServeOptions.Parse([], "10.42.0.7").Address);
    }

    [Fact]
    public void Parse_AddressFlag_WinsOverPodIp()
    {
        Assert.Equal(IPAddress.Loopback, ServeOptions.Parse(["--address", "127.0.0.1"], "10.42.0.7").Address);
    }

    [Fact]
    public void Parse_EveryFlag_Read()
    {
        var options = ServeOptions.Parse(
            ["--port=9090", "--udp-port", "9091", "--grpc-port", "9092", "--ready-after", "1.5", "--fail-health-after", "3", "--exit-after", "4",
             "--exit-code", "17", "--term-delay", "0.25", "--ignore-term"],
            podIp: null);

        Assert.Equal(9090, options.Port);
        Assert.Equal(9091, options.UdpPort);
        Assert.Equal(9092, options.GrpcPort);
        Assert.Equal(TimeSpan.FromSeconds(1.5), options.ReadyAfter);
        Assert.Equal(TimeSpan.FromSeconds(3), options.FailHealthAfter);
        Assert.Equal(TimeSpan.FromSeconds(4), options.ExitAfter);
        Assert.Equal(17, options.ExitCode);
        Assert.Equal(TimeSpan.FromSeconds(0.25), options.TermDelay);
        Assert.True(options.IgnoreTerm);
    }

    [Theory]
    [InlineData("--port", "65536")]
    [InlineData("--port", "-1")]
    [InlineData("--address", "not-an-ip")]
    [InlineData("--exit-code", "300")]
    [InlineData("--term-delay", "-1")]
    [InlineData("--ready-after", "soon")]
    [InlineData("--unknown", "1")]
    [InlineData("--port", null)]
    [InlineData("--ignore-term=yes", null)]
    public void Parse_BadFlag_ThrowsUsageException(string flag, string? value)
    {
        string[] args = value is null ? [flag] : [flag, value];

        Assert.Throws<UsageException>(() => ServeOptions.Parse(args, podIp: null));
    }
}
