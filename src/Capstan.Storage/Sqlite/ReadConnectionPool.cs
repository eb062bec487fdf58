using System.Collections.Concurrent;

namespace Capstan.Storage.Sqlite;

/// <summary>Read-only connections beside the writer (WAL lets them read a committed snapshot while it writes).</summary>
internal sealed class ReadConnectionPool(string connectionString, int idleLimit) : IDisposable
{
    private readonly ConcurrentBag<PreparedConnection> _idle = [];
    private int _idleCount;
    private volatile bool _disposed;

    public PreparedConnection Rent()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_idle.TryTake(out var connection))
        {
            Interlocked.Decrement(ref _idleCount);
            return connection;
        }
        return PreparedConnection.Open(connectionString);
    }

    public void Return(PreparedConnection connection)
    {
        if (!_disposed && Interlocked.Increment(ref _idleCount) <= idleLimit)
        {
            _idle.Add(connection);
            if (!_disposed)
            {
                return;
            }
            // Disposed meanwhile: Dispose may have drained the bag already, so drain again.
            DisposeIdle();
            return;
        }
        if (!_disposed)
        {
            Interlocked.Decrement(ref _idleCount);
        }
        connection.Dispose();
    }

    public void Dispose()
    {
        _disposed = true;
        DisposeIdle();
    }

    private void DisposeIdle()
    {
        while (_idle.TryTake(out var connection))
        {
            connection.Dispose();
        }
    }
}
