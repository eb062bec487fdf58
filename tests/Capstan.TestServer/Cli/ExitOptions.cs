namespace Capstan.TestServer.Cli;

/// <summary>The arguments of <c>exit CODE [--after S]</c>.</summary>
internal sealed record ExitOptions(int Code, TimeSpan After)
{
    public static ExitOptions Parse(ReadOnlySpan<string> args)
    {
        int? code = null;
        var after = TimeSpan.Zero;
        var reader = new ArgumentReader(args);
        while (reader.TryNext(out var argument))
        {
            if (argument == "--after")
            {
                after = reader.SecondsValue(argument);
            }
            else if (code is null && !argument.StartsWith("--", StringComparison.Ordinal))
            {
                code = ArgumentReader.ParseInt("CODE", argument, 0, 255);
            }
            else
            {
                throw new UsageException($"unexpected argument '{argument}' for exit");
            }
        }

        return new ExitOptions(code ?? throw new UsageException("exit needs a CODE"), after);
    }
}
