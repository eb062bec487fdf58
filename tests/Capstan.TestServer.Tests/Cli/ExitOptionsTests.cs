using Capstan.TestServer.Cli;

namespace Capstan.TestServer.Tests.Cli;

public sealed class ExitOptionsTests
{
    [Fact]
    public void Parse_CodeAndAfter_Read()
    {
        Assert.Equal(new ExitOptions(3, TimeSpan.FromSeconds(2)), ExitOptions.Parse(["3", "--after", "2"]));
        Assert.Equal(new ExitOptions(0, TimeSpan.Zero), ExitOptions.Parse(["0"]));
    }

    [Theory]
    [InlineData("")]
    [InlineData("1 2")]
    [InlineData("-1")]
    [InlineData("1 --after")]
    [InlineData("1 --later 2")]
    public void Parse_Bad_ThrowsUsageException(string commandLine)
    {
        var args = commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);

        Assert.Throws<UsageException>(() => ExitOptions.Parse(args));
    }
}
