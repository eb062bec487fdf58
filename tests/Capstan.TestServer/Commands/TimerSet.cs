namespace Capstan.TestServer.Commands;

/// <summary>One-shot timers kept referenced for the life of the command (an unreferenced Timer can be collected).</summary>
internal sealed class TimerSet : IDisposable
{
    private readonly List<Timer> _timers = [];

    public void After(TimeSpan delay, Action action) =>
        _timers.Add(new Timer(_ => action(), null, delay, Timeout.InfiniteTimeSpan));

    public void Dispose()
    {
        foreach (var timer in _timers)
        {
            timer.Dispose();
        }
    }
}
