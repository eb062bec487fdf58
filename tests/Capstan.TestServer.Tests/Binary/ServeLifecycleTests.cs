using System.Net;
using Capstan.TestServer.Tests.Infrastructure;

namespace Capstan.TestServer.Tests.Binary;

/// <summary>How the real binary ends: on request, by timer, on SIGTERM (with or without delay), or not at all.</summary>
public sealed class ServeLifecycleTests
{
    [Theory]
    [InlineData("/exit?code=7", 7)]
    [InlineData("/exit", 0)]
    public async Task Exit_Posted_AnswersThenExitsWithCode(string path, int expected)
    {
        await using var server = await TestServerProcess.ServeAsync();
        using var client = server.CreateClient();

        using var response = await client.PostAsync(path, null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(expected, await server.WaitForExitAsync());
    }

    [Fact]
    public async Task ExitAfter_Elapsed_ExitsWithExitCode()
    {
        await using var server = await TestServerProcess.ServeAsync("--exit-after", "0.2", "--exit-code", "3");

        Assert.Equal(3, await server.WaitForExitAsync());
        Assert.Contains(server.Lines, l => l.EndsWith("exiting with 3 by --exit-after", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sigterm_NoDelay_ExitsZero()
    {
        await using var server = await TestServerProcess.ServeAsync();

        server.Signal(Signals.SigTerm);

        Assert.Equal(0, await server.WaitForExitAsync());
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Sigterm_TermDelay_KeepsServingThenExitsZero()
    {
        await using var server = await TestServerProcess.ServeAsync("--term-delay", "2");
        using var client = server.CreateClient();

        server.Signal(Signals.SigTerm);
        await server.WaitForLineAsync(l => l.Contains("received SIGTERM, exiting 0 in 2s", StringComparison.Ordinal));

        Assert.Equal("ok", await client.GetStringAsync("/healthz"));
        Assert.Equal(0, await server.WaitForExitAsync());
    }

    [Fact]
    public async Task Sigterm_IgnoreTerm_KeepsServingUntilSigkill()
    {
        await using var server = await TestServerProcess.ServeAsync("--ignore-term");
        using var client = server.CreateClient();

        server.Signal(Signals.SigTerm);
        await server.WaitForLineAsync(l => l.Contains("received SIGTERM, ignoring it", StringComparison.Ordinal));

        Assert.Equal("ok", await client.GetStringAsync("/healthz"));
        Assert.False(server.HasExited);
        server.Signal(Signals.SigKill);
        Assert.Equal(128 + Signals.SigKill, await server.WaitForExitAsync());
    }

    [Fact]
    public async Task Serve_PortTaken_ExitsOne()
    {
        await using var first = await TestServerProcess.ServeAsync();
        await using var second = TestServerProcess.Start(
            ["serve", "--address", "127.0.0.1", "--port", first.EndPoint!.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);

        Assert.Equal(1, await second.WaitForExitAsync());
    }
}
