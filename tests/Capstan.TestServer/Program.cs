using Capstan.TestServer.Cli;
using Capstan.TestServer.Commands;

namespace Capstan.TestServer;

/// <summary>
/// capstan-testserver serve|pause|exit: see <see cref="Usage"/>.
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.Out.Write(Usage.Text);
            return args.Length == 0 ? 2 : 0;
        }

        try
        {
            return args[0] switch
            {
                "serve" => ServeCommand.Run(ServeOptions.Parse(args.AsSpan(1))),
                "pause" => PauseCommand.Run(PauseOptions.Parse(args.AsSpan(1))),
                "exit" => ExitCommand.Run(ExitOptions.Parse(args.AsSpan(1))),
                _ => throw new UsageException($"unknown command '{args[0]}'"),
            };
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"capstan-testserver: {e.Message}");
            Console.Error.Write(Usage.Text);
            return 2;
        }
    }
}
