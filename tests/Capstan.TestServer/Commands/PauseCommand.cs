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
        done.Wait();
        return 0;
    }
}
