using Capstan.TestServer.Cli;

namespace Capstan.TestServer.Commands;

/// <summary><c>exit CODE [--after S]</c>: a container that ends on its own with a chosen code.</summary>
internal static class ExitCommand
{
    public static int Run(ExitOptions options)
    {
        if (options.After > TimeSpan.Zero)
        {
            Thread.Sleep(options.After);
        }

        return options.Code;
    }
}
