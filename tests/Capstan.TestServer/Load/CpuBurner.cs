using System.Diagnostics;

namespace Capstan.TestServer.Load;

/// <summary>
/// Burns CPU for a while: one busy thread per whole core (1000 millicores) and one more that is busy for the rest's share
/// of every 100 ms, e.g. 2500 millicores = two busy threads plus one busy 50 ms in each 100 ms.
/// </summary>
internal sealed class CpuBurner
{
    private static readonly TimeSpan Slice = TimeSpan.FromMilliseconds(100);
    private int _burningMillicores;

    /// <summary>Millicores currently being burnt by all requests together.</summary>
    public int BurningMillicores => Volatile.Read(ref _burningMillicores);

    public void Start(int millicores, TimeSpan duration)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        for (var remaining = millicores; remaining > 0; remaining -= 1000)
        {
            var share = Math.Min(remaining, 1000);
            Interlocked.Add(ref _burningMillicores, share);
            var thread = new Thread(() => Burn(share, deadline)) { IsBackground = true, Name = "cpu-burner" };
            thread.Start();
        }
    }

    private void Burn(int millicores, long deadline)
    {
        var busyTicks = (long)(Slice.TotalSeconds * Stopwatch.Frequency * millicores / 1000);
        var sliceTicks = (long)(Slice.TotalSeconds * Stopwatch.Frequency);
        try
        {
            while (Stopwatch.GetTimestamp() < deadline)
            {
                var sliceStart = Stopwatch.GetTimestamp();
                while (Stopwatch.GetTimestamp() - sliceStart < busyTicks && Stopwatch.GetTimestamp() < deadline)
                {
                    Thread.SpinWait(1000);
                }

                var idle = sliceTicks - (Stopwatch.GetTimestamp() - sliceStart);
                if (idle > 0 && millicores < 1000)
                {
                    Thread.Sleep(TimeSpan.FromSeconds((double)idle / Stopwatch.Frequency));
                }
            }
        }
        finally
        {
            Interlocked.Add(ref _burningMillicores, -millicores);
        }
    }
}
