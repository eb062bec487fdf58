using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace Capstan.Storage.Sqlite;

/// <summary>
/// <see cref="IStore"/> on one SQLite file (the kine design): an append-only log table whose row id is the revision.
/// One writer loop commits queued writes in batches (group commit) and feeds watchers in-process after each commit;
/// reads run on a small pool of connections beside it. One process owns the file at a time.
/// </summary>
public sealed partial class SqliteStore : IStore
{
    private readonly SqliteStoreOptions _options;
    private readonly FileStream _ownership;
    private readonly PreparedConnection _writer;
    private readonly ReadConnectionPool _readers;
    private readonly WatchHub _watchHub;
    // Synchronous continuations: the only waiter is the writer thread blocked in WaitForWrites, so a caller's TryWrite
    // wakes it directly instead of through a thread-pool work item.
    private readonly Channel<WriteOperation> _queue = Channel.CreateUnbounded<WriteOperation>(
        new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = true });
    private readonly Dictionary<string, KeyState> _keys = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _compactionGate = new(1, 1);
    private readonly CancellationTokenSource _closing = new();
    private readonly Task _writerLoop;
    private readonly Task _compactorLoop;
    private long _writerRevision;
    private long _currentRevision;
    private long _compactedRevision;
    private long _persistedCompactedRevision;
    private int _disposed;
    private Exception? _fault;

    private SqliteStore(string path, SqliteStoreOptions options, FileStream ownership, PreparedConnection writer)
    {
        Path = path;
        _options = options;
        _ownership = ownership;
        _writer = writer;
        LoadState();
        _currentRevision = _writerRevision;
        _compactedRevision = _persistedCompactedRevision;
        _watchHub = new WatchHub(_currentRevision);
        _readers = new ReadConnectionPool(ConnectionString(path, SqliteOpenMode.ReadWrite), options.ReadConnections);
        _writerLoop = Task.Factory.StartNew(RunWriter, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        _compactorLoop = Task.Run(RunCompactorAsync);
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    public long CurrentRevision => Volatile.Read(ref _currentRevision);

    public long CompactedRevision => Volatile.Read(ref _compactedRevision);

    /// <summary>Opens the store at <paramref name="path"/>, creating the file and its tables when they do not exist.</summary>
    public static Task<SqliteStore> OpenAsync(string path, SqliteStoreOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new SqliteStoreOptions();
        options.Validate();
        cancellationToken.ThrowIfCancellationRequested();

        // The in-memory key map and revision counter assume one writer: a second store on the same file would corrupt them.
        // FileShare.None takes an exclusive flock on Unix, released by the kernel even when the process is killed.
        FileStream ownership;
        try
        {
            ownership = new FileStream(path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException exception)
        {
            throw new IOException($"the store {path} is already open (by this or another process)", exception);
        }
        PreparedConnection? writer = null;
        try
        {
            writer = PreparedConnection.Open(ConnectionString(path, SqliteOpenMode.ReadWriteCreate));
            // auto_vacuum only takes effect before the first table exists; it lets compaction hand pages back to the file system.
            writer.Execute("PRAGMA auto_vacuum = INCREMENTAL");
            writer.Execute("PRAGMA journal_mode = WAL");
            writer.Execute(options.Durable ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
            writer.Execute(SqliteSchema.Create);
            return Task.FromResult(new SqliteStore(path, options, ownership, writer));
        }
        catch
        {
            writer?.Dispose();
            ownership.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _closing.CancelAsync().ConfigureAwait(false);
        await _compactorLoop.ConfigureAwait(false);
        _queue.Writer.TryComplete();
        await _writerLoop.ConfigureAwait(false);
        _watchHub.Close();
        _readers.Dispose();
        TryCheckpoint();
        _writer.Dispose();
        await _ownership.DisposeAsync().ConfigureAwait(false);
        _closing.Dispose();
        _compactionGate.Dispose();
    }

    private static string ConnectionString(string path, SqliteOpenMode mode) => new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = mode,
        // Connections are kept open by the store itself; the driver's pool would keep the file open after dispose.
        Pooling = false,
    }.ToString();

    /// <summary>Reads the revision counters and the key map; runs at open and after a failed batch rolled back.</summary>
    private void LoadState()
    {
        _writerRevision = _writer.ExecuteScalarInt64(SqliteSchema.SelectRevision);
        _persistedCompactedRevision = _writer.ExecuteScalarInt64(SqliteSchema.SelectCompactedRevision);
        _keys.Clear();
        using var reader = _writer.Command(SqliteSchema.SelectKeys).ExecuteReader();
        while (reader.Read())
        {
            _keys[reader.GetString(0)] = new KeyState(reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3) != 0);
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    private void ThrowIfCompacted(long revision)
    {
        var compacted = CompactedRevision;
        if (revision != 0 && revision < compacted)
        {
            throw new CompactedException(revision, compacted);
        }
    }
}
