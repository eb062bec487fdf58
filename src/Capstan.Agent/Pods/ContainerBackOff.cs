namespace Capstan.Agent.Pods;

/// <summary>
/// The kubelet's per-container restart back-off: the first restart is immediate; each later one waits the current delay
/// from the container's exit (10 s, 20 s, 40 s ... up to 5 min). A container that ran at least <c>resetAfter</c> starts over.
/// </summary>
public sealed class ContainerBackOff(TimeSpan initial, TimeSpan max, TimeSpan resetAfter)
{
    private readonly Dictionary<string, TimeSpan> _delays = new(StringComparer.Ordinal);

    /// <summary>
    /// Whether the container may restart now. When it may, the delay for its next crash doubles; when it may not,
    /// <paramref name="delay"/> is the current delay and <paramref name="until"/> when it ends.
    /// </summary>
    public bool TryRestart(string key, DateTimeOffset startedAt, DateTimeOffset finishedAt, DateTimeOffset now, out TimeSpan delay, out DateTimeOffset until)
    {
        if (finishedAt - startedAt >= resetAfter)
        {
            _delays.Remove(key);
        }

        if (_delays.TryGetValue(key, out delay) && now < finishedAt + delay)
        {
            until = finishedAt + delay;
            return false;
        }

        _delays[key] = _delays.TryGetValue(key, out var current) ? TimeSpan.FromTicks(Math.Min(current.Ticks * 2, max.Ticks)) : initial;
        delay = _delays[key];
        until = now;
        return true;
    }

    public void Forget(string key) => _delays.Remove(key);

    /// <summary>Go's time.Duration formatting, which the CrashLoopBackOff message uses: 10s, 2m40s, 5m0s, 250ms.</summary>
    public static string Format(TimeSpan d)
    {
        if (d < TimeSpan.FromSeconds(1))
        {
            return $"{(long)d.TotalMilliseconds}ms";
        }

        var seconds = d.TotalSeconds - (Math.Floor(d.TotalMinutes) * 60);
        var secondsText = seconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) + "s";
        if (d < TimeSpan.FromMinutes(1))
        {
            return secondsText;
        }

        var minutes = (long)d.TotalMinutes;
        return minutes >= 60 ? $"{minutes / 60}h{minutes % 60}m{secondsText}" : $"{minutes}m{secondsText}";
    }
}
