namespace Capstan.TestServer.Cli;

/// <summary><c>pause</c> takes no arguments; this only rejects stray ones.</summary>
internal sealed record PauseOptions
{
    public static PauseOptions Parse(ReadOnlySpan<string> args) =>
        args.Length == 0 ? new PauseOptions() : throw new UsageException($"unexpected argument '{args[0]}' for pause");
}
