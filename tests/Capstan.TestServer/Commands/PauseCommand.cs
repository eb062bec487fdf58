using Capstan.TestServer.Cli;
using Capstan.TestServer.Lifecycle;

namespace Capstan.TestServer.Commands;

/// <summary><c>pause</c>: does nothing until SIGTERM or SIGINT, then exits 0 (a pod's idle container).</summary>
internal static class PauseCommand
{
    public static int Run(PauseOptions options)
    {
        _ = options;
        using var done = new ManualResetEventSlim();
        using var termination = TerminationHandler.Install(TimeSpan.Zero, ignore: false, exit: _ => done.Set());
        // Said once the handlers are in place: a SIGTERM before this line would still get the default action (exit 143).
        Console.Out.WriteLine("paused");
        done.Wait();
        return 0;
    }
}
