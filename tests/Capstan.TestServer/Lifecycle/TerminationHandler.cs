using System.Runtime.InteropServices;

namespace Capstan.TestServer.Lifecycle;

/// <summary>
/// SIGTERM and SIGINT: exit 0 after a delay (to test grace periods), or ignore them (to test SIGKILL after the grace
/// period). The registrations must stay referenced: disposing one restores the default action.
/// </summary>
internal sealed class TerminationHandler : IDisposable
{
    private readonly PosixSignalRegistration[] _registrations;
    private readonly TimeSpan _delay;
    private readonly bool _ignore;
    private readonly Action<int> _exit;
    private int _terminating;

    private TerminationHandler(TimeSpan delay, bool ignore, Action<int> exit)
    {
        _delay = delay;
        _ignore = ignore;
        _exit = exit;
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
        ];
    }

    public static TerminationHandler Install(TimeSpan delay, bool ignore) => new(delay, ignore, Environment.Exit);

    public static TerminationHandler Install(TimeSpan delay, bool ignore, Action<int> exit) => new(delay, ignore, exit);

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
    }

    private void OnSignal(PosixSignalContext context)
    {
        // Cancel the runtime's default (which would exit at once, with 143 for SIGTERM); we decide when and how.
        context.Cancel = true;
        if (_ignore)
        {
            ServerLog.Line($"received {context.Signal}, ignoring it");
            return;
        }

        if (Interlocked.Exchange(ref _terminating, 1) == 1)
        {
            return;
        }

        ServerLog.Line($"received {context.Signal}, exiting 0 in {_delay.TotalSeconds:0.###}s");
        var thread = new Thread(() =>
        {
            Thread.Sleep(_delay);
            _exit(0);
        })
        {
            IsBackground = true,
            Name = "termination",
        };
        thread.Start();
    }
}
