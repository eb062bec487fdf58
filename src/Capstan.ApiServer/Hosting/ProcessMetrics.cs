using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Capstan.ApiServer.Hosting;

/// <summary>
/// GET /metrics: the process figures kube-apiserver's Prometheus endpoint starts with (the client library's process
/// collector: CPU, memory, start time), plus the .NET runtime's garbage collector in place of Go's, under the names
/// .NET's own Prometheus exporters use. A scrape reads counters the runtime keeps anyway; it costs no background work.
/// </summary>
public static class ProcessMetrics
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private static readonly double StartTimeSeconds = Process.GetCurrentProcess().StartTime.ToUniversalTime().Subtract(DateTime.UnixEpoch).TotalSeconds;

    public static byte[] Render()
    {
        using var process = Process.GetCurrentProcess();
        var gc = GC.GetGCMemoryInfo(GCKind.Any);
        var text = new StringBuilder(2048);
        Metric(text, "process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.",
            process.TotalProcessorTime.TotalSeconds);
        Metric(text, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", process.WorkingSet64);
        Metric(text, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", process.VirtualMemorySize64);
        Metric(text, "process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.", StartTimeSeconds);
        Metric(text, "process_open_fds", "gauge", "Number of open file descriptors.", OpenFileDescriptors());
        Metric(text, "dotnet_gc_allocated_bytes_total", "counter", "Bytes allocated on the managed heap since the process started.",
            GC.GetTotalAllocatedBytes(precise: false));
        Header(text, "dotnet_gc_collections_total", "counter", "Garbage collections since the process started, by the generation collected.");
        for (var generation = 0; generation <= GC.MaxGeneration; generation++)
        {
            // CollectionCount(n) counts collections of generation n or older; each line counts those of exactly n.
            var exactly = GC.CollectionCount(generation) - (generation < GC.MaxGeneration ? GC.CollectionCount(generation + 1) : 0);
            Sample(text, "dotnet_gc_collections_total", $"{{generation=\"gen{generation}\"}}", exactly);
        }

        Metric(text, "dotnet_gc_pause_seconds_total", "counter", "Time the runtime was paused for garbage collection.",
            GC.GetTotalPauseDuration().TotalSeconds);
        Metric(text, "dotnet_gc_heap_size_bytes", "gauge", "Managed heap size at the last garbage collection.", gc.HeapSizeBytes);
        Metric(text, "dotnet_gc_committed_bytes", "gauge", "Memory committed for the managed heap at the last garbage collection.",
            gc.TotalCommittedBytes);
        Metric(text, "dotnet_threadpool_threads", "gauge", "Thread pool threads.", ThreadPool.ThreadCount);
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static void Metric(StringBuilder text, string name, string type, string help, double value)
    {
        Header(text, name, type, help);
        Sample(text, name, "", value);
    }

    private static void Header(StringBuilder text, string name, string type, string help) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
            .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    private static void Sample(StringBuilder text, string name, string labels, double value) =>
        text.Append(name).Append(labels).Append(' ').Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');

    private static int OpenFileDescriptors()
    {
        try
        {
            return Directory.EnumerateFileSystemEntries("/proc/self/fd").Count();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
