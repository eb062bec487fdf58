using System.Diagnostics;
using System.Net;
using Capstan.Network.Catalog;

namespace Capstan.Network.Proxy;

/// <summary>
/// Counters of one backend of one service port, updated with interlocked adds on the connection path and read by the
/// /metrics endpoint. Connections are TCP connections or UDP flows.
/// </summary>
public sealed class BackendStats(ServiceKey service, string portName, string protocol, IPEndPoint endPoint)
{
    /// <summary>Upper bounds (seconds) of the connect-time histogram buckets; loopback connects take tens of microseconds.</summary>
    public static readonly double[] ConnectBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

    private readonly long[] _bucketCounts = new long[ConnectBuckets.Length + 1];
    private long _connections;
    private long _connectErrors;
    private long _bytesToBackend;
    private long _bytesFromBackend;
    private long _connectTicks;

    public ServiceKey Service { get; } = service;

    public string PortName { get; } = portName;

    public string Protocol { get; } = protocol;

    public IPEndPoint EndPoint { get; } = endPoint;

    public long Connections => Volatile.Read(ref _connections);

    public long ConnectErrors => Volatile.Read(ref _connectErrors);

    public long BytesToBackend => Volatile.Read(ref _bytesToBackend);

    public long BytesFromBackend => Volatile.Read(ref _bytesFromBackend);

    /// <summary>Total connect time in <see cref="Stopwatch"/> ticks.</summary>
    public long ConnectTicks => Volatile.Read(ref _connectTicks);

    /// <summary>Count per bucket of <see cref="ConnectBuckets"/> (not cumulative), the last one above every bound.</summary>
    public long BucketCount(int index) => Volatile.Read(ref _bucketCounts[index]);

    public void RecordConnected(long elapsedTicks)
    {
        Interlocked.Increment(ref _connections);
        Interlocked.Add(ref _connectTicks, elapsedTicks);
        var seconds = (double)elapsedTicks / Stopwatch.Frequency;
        var bucket = 0;
        while (bucket < ConnectBuckets.Length && seconds > ConnectBuckets[bucket])
        {
            bucket++;
        }

        Interlocked.Increment(ref _bucketCounts[bucket]);
    }

    public void RecordFlow() => Interlocked.Increment(ref _connections);

    public void RecordConnectError() => Interlocked.Increment(ref _connectErrors);

    public void AddBytesToBackend(int count) => Interlocked.Add(ref _bytesToBackend, count);

    public void AddBytesFromBackend(int count) => Interlocked.Add(ref _bytesFromBackend, count);
}
