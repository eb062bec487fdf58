using Capstan.TestServer.Tests.Infrastructure;

namespace Capstan.TestServer.Tests.Binary;

/// <summary>The pause and exit subcommands and command-line errors of the real binary.</summary>
public sealed class CommandTests
{
    [Fact]
    public async Task Pause_Sigterm_ExitsZero()
    {
        await using var pause = TestServerProcess.Start(["pause"]);
        await pause.WaitForLineAsync(l => l == "paused");

        pause.Signal(Signals.SigTerm);

        Assert.Equal(0, await pause.WaitForExitAsync());
    }

    [Theory]
    [InlineData("exit 0", 0)]
    [InlineData("exit 42", 42)]
    [InlineData("exit 5 --after 0.1", 5)]
    [InlineData("exit --after=0.1 6", 6)]
    public async Task Exit_Code_ExitsWithIt(string commandLine, int expected)
    {
        await using var process = TestServerProcess.Start(commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries));

        Assert.Equal(expected, await process.WaitForExitAsync());
    }

    [Theory]
    [InlineData("")]
    [InlineData("bogus")]
    [InlineData("exit")]
    [InlineData("exit 256")]
    [InlineData("serve --port x")]
    [InlineData("serve --nope")]
    [InlineData("pause extra")]
    public async Task Command_BadArguments_ExitsTwo(string commandLine)
    {
        await using var process = TestServerProcess.Start(commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries));

        Assert.Equal(2, await process.WaitForExitAsync());
    }
}
