using System.Diagnostics;

namespace Capstan.Bench.Workloads.Measurement;

/// <summary>Milliseconds between Stopwatch timestamps: every figure is measured on this process's own clock.</summary>
public static class Clock
{
    public static long Now => Stopwatch.GetTimestamp();

    public static double Ms(long from, long to) => (to - from) * 1000.0 / Stopwatch.Frequency;

    public static double? Ms(long? from, long? to) => from is { } f && to is { } t ? Ms(f, t) : null;
}
