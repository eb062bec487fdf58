using Microsoft.Data.Sqlite;

namespace Capstan.Storage.Sqlite;

public sealed partial class SqliteStore
{
    public Task<WriteResult> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        return EnqueueAsync(new WriteOperation { Kind = WriteKind.Create, Key = key, Value = HandedOverValue.Take(value), CancellationToken = cancellationToken });
    }

    public Task<WriteResult> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedRevision, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentOutOfRangeException.ThrowIfNegative(expectedRevision);
        return EnqueueAsync(new WriteOperation
        {
            Kind = WriteKind.Update, Key = key, Value = HandedOverValue.Take(value), ExpectedRevision = expectedRevision, CancellationToken = cancellationToken,
        });
    }

    public Task<WriteResult> DeleteAsync(string key, long expectedRevision = 0, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentOutOfRangeException.ThrowIfNegative(expectedRevision);
        return EnqueueAsync(new WriteOperation { Kind = WriteKind.Delete, Key = key, ExpectedRevision = expectedRevision, CancellationToken = cancellationToken });
    }

    private Task<WriteResult> EnqueueAsync(WriteOperation operation)
    {
        if (operation.CancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<WriteResult>(operation.CancellationToken);
        }
        if (Volatile.Read(ref _disposed) != 0 || !_queue.Writer.TryWrite(operation))
        {
            return Task.FromException<WriteResult>(new ObjectDisposedException(nameof(SqliteStore)));
        }
        return operation.Task;
    }

    /// <summary>
    /// The one writer: takes whatever is queued (up to the batch limit), applies it in one transaction, commits, and only then
    /// publishes the events and completes the callers' tasks. While one batch is being made durable the next one queues up,
    /// so the cost of a commit is shared by every writer that arrived during the previous one.
    /// It runs on its own thread: under load it never yields, and SQLite calls block, so on the thread pool it would
    /// hold a worker indefinitely and slow the callers' continuations down.
    /// </summary>
    private void RunWriter()
    {
        var reader = _queue.Reader;
        var batch = new List<WriteOperation>(_options.MaxBatchSize);
        var events = new List<WatchEvent>();
        while (WaitForWrites(reader))
        {
            batch.Clear();
            while (batch.Count < _options.MaxBatchSize && reader.TryRead(out var operation))
            {
                if (operation.CancellationToken.IsCancellationRequested)
                {
                    operation.Cancel();
                }
                else if (_fault is not null)
                {
                    operation.Fail(new InvalidOperationException("the store failed and must be reopened", _fault));
                }
                else
                {
                    batch.Add(operation);
                }
            }
            if (batch.Count > 0)
            {
                CommitBatch(batch, events);
            }
        }
    }

    private static bool WaitForWrites(System.Threading.Channels.ChannelReader<WriteOperation> reader)
    {
        var wait = reader.WaitToReadAsync();
        return wait.IsCompletedSuccessfully ? wait.Result : wait.AsTask().GetAwaiter().GetResult();
    }

    private void CommitBatch(List<WriteOperation> batch, List<WatchEvent> events)
    {
        events.Clear();
        var compacted = false;
        try
        {
            _writer.Execute("BEGIN IMMEDIATE");
            try
            {
                foreach (var operation in batch)
                {
                    Apply(operation, events);
                    compacted |= operation.Kind == WriteKind.Compact && operation.Final;
                }
                _writer.Execute("COMMIT");
            }
            catch
            {
                TryRollback();
                throw;
            }
        }
        catch (Exception exception)
        {
            // Nothing of the batch is durable: forget what it did to the in-memory state and fail every write in it.
            foreach (var operation in batch)
            {
                operation.Fail(exception);
            }
            try
            {
                LoadState();
            }
            catch (Exception reloadFailure)
            {
                // The file cannot even be read back: every later write fails rather than act on a state we cannot trust.
                _fault = reloadFailure;
            }
            return;
        }

        Volatile.Write(ref _currentRevision, _writerRevision);
        if (events.Count > 0)
        {
            _watchHub.Publish(events, _writerRevision);
        }
        foreach (var operation in batch)
        {
            if (operation.Kind != WriteKind.Compact)
            {
                operation.Complete();
            }
        }
        // A compaction is complete once its space is back with the file system.
        if (compacted)
        {
            ReclaimSpace();
        }
        foreach (var operation in batch)
        {
            if (operation.Kind == WriteKind.Compact)
            {
                operation.Complete();
            }
        }
    }

    private void Apply(WriteOperation operation, List<WatchEvent> events)
    {
        switch (operation.Kind)
        {
            case WriteKind.Create:
                operation.Result = ApplyCreate(operation, events);
                break;
            case WriteKind.Update:
                operation.Result = ApplyUpdate(operation, events);
                break;
            case WriteKind.Delete:
                operation.Result = ApplyDelete(operation, events);
                break;
            case WriteKind.Compact:
                ApplyCompact(operation);
                operation.Result = new WriteResult(true, _writerRevision, null);
                break;
            default:
                throw new InvalidOperationException($"unknown write kind {operation.Kind}");
        }
    }

    private WriteResult ApplyCreate(WriteOperation operation, List<WatchEvent> events)
    {
        var key = operation.Key;
        var exists = _keys.TryGetValue(key, out var state);
        if (exists && !state.Deleted)
        {
            return Failed(key, state);
        }
        var revision = _writerRevision + 1;
        // A create after a delete links to the tombstone, keeping (name, prev_revision) unique.
        InsertRow(revision, key, created: true, deleted: false, revision, exists ? state.ModRevision : 0, operation.Value);
        var current = new KeyValue(key, operation.Value, revision, revision);
        events.Add(new WatchEvent(WatchEventType.Put, revision, current, null));
        return new WriteResult(true, revision, current);
    }

    private WriteResult ApplyUpdate(WriteOperation operation, List<WatchEvent> events)
    {
        var key = operation.Key;
        if (!_keys.TryGetValue(key, out var state) || state.Deleted)
        {
            return new WriteResult(false, _writerRevision, null);
        }
        if (operation.ExpectedRevision != 0 && operation.ExpectedRevision != state.ModRevision)
        {
            return Failed(key, state);
        }
        var previous = ReadKeyValue(key, state);
        var revision = _writerRevision + 1;
        InsertRow(revision, key, created: false, deleted: false, state.CreateRevision, state.ModRevision, operation.Value);
        var current = new KeyValue(key, operation.Value, state.CreateRevision, revision);
        events.Add(new WatchEvent(WatchEventType.Put, revision, current, previous));
        return new WriteResult(true, revision, current, previous);
    }

    private WriteResult ApplyDelete(WriteOperation operation, List<WatchEvent> events)
    {
        var key = operation.Key;
        if (!_keys.TryGetValue(key, out var state) || state.Deleted)
        {
            return new WriteResult(false, _writerRevision, null);
        }
        if (operation.ExpectedRevision != 0 && operation.ExpectedRevision != state.ModRevision)
        {
            return Failed(key, state);
        }
        var previous = ReadKeyValue(key, state);
        var revision = _writerRevision + 1;
        InsertRow(revision, key, created: false, deleted: true, state.CreateRevision, state.ModRevision, []);
        var tombstone = new KeyValue(key, ReadOnlyMemory<byte>.Empty, state.CreateRevision, revision);
        events.Add(new WatchEvent(WatchEventType.Delete, revision, tombstone, previous));
        return new WriteResult(true, revision, null, previous);
    }

    private WriteResult Failed(string key, KeyState state) => new(false, _writerRevision, ReadKeyValue(key, state));

    private void InsertRow(long revision, string key, bool created, bool deleted, long createRevision, long prevRevision, byte[] value)
    {
        _writer.Command(SqliteSchema.Insert)
            .Bind("@id", revision)
            .Bind("@name", key)
            .Bind("@created", created ? 1 : 0)
            .Bind("@deleted", deleted ? 1 : 0)
            .Bind("@create_revision", createRevision)
            .Bind("@prev_revision", prevRevision)
            .Bind("@value", value)
            .ExecuteNonQuery();
        _writer.Command(SqliteSchema.UpsertCurrent).Bind("@name", key).Bind("@id", revision).ExecuteNonQuery();
        _keys[key] = new KeyState(revision, createRevision, deleted);
        _writerRevision = revision;
    }

    /// <summary>The key's value as the writer sees it (its own uncommitted rows included).</summary>
    private KeyValue ReadKeyValue(string key, KeyState state)
    {
        var value = (byte[]?)_writer.Command(SqliteSchema.SelectValue).Bind("@id", state.ModRevision).ExecuteScalar()
            ?? throw new InvalidOperationException($"row {state.ModRevision} of {key} is missing");
        return new KeyValue(key, value, state.CreateRevision, state.ModRevision);
    }

    private void TryRollback()
    {
        try
        {
            _writer.Execute("ROLLBACK");
        }
        catch (SqliteException)
        {
            // SQLite already rolled back (some errors do that themselves).
        }
    }
}
