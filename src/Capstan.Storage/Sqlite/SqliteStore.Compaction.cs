using Microsoft.Data.Sqlite;

namespace Capstan.Storage.Sqlite;

public sealed partial class SqliteStore
{
    // Compaction runs through the writer in chunks of this many revisions, so writes interleave with a long compaction.
    private const long CompactionChunk = 2000;

    public async Task CompactAsync(long revision, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        if (revision > CurrentRevision)
        {
            throw new ArgumentOutOfRangeException(nameof(revision), revision, $"is newer than the current revision {CurrentRevision}");
        }
        await _compactionGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (revision <= CompactedRevision)
            {
                return;
            }
            // Published before any row goes, so a reader that checks after reading notices it may have missed rows.
            Volatile.Write(ref _compactedRevision, revision);
            // Rows up to the last persisted compaction are already gone; an interrupted compaction is redone from there.
            for (var from = _persistedCompactedRevision; from < revision; from += CompactionChunk)
            {
                var to = Math.Min(from + CompactionChunk, revision);
                var operation = new WriteOperation { Kind = WriteKind.Compact, From = from, To = to, Final = to == revision };
                await EnqueueAsync(operation).ConfigureAwait(false);
            }
        }
        finally
        {
            _compactionGate.Release();
        }
    }

    /// <summary>Compacts the rows written in (From, To]: their predecessors are superseded, and tombstones are gone for good.</summary>
    private void ApplyCompact(WriteOperation operation)
    {
        var tombstones = new List<(long Id, string Name)>();
        using (var reader = _writer.Command(SqliteSchema.SelectTombstones).Bind("@from", operation.From).Bind("@to", operation.To).ExecuteReader())
        {
            while (reader.Read())
            {
                tombstones.Add((reader.GetInt64(0), reader.GetString(1)));
            }
        }
        _writer.Command(SqliteSchema.DeleteSuperseded).Bind("@from", operation.From).Bind("@to", operation.To).ExecuteNonQuery();
        foreach (var (id, name) in tombstones)
        {
            // Only when the tombstone is still the key's newest row; otherwise the key was created again since.
            if (_keys.TryGetValue(name, out var state) && state.ModRevision == id)
            {
                _keys.Remove(name);
                _writer.Command(SqliteSchema.DeleteCurrent).Bind("@name", name).Bind("@id", id).ExecuteNonQuery();
            }
        }
        _writer.Command(SqliteSchema.DeleteTombstones).Bind("@from", operation.From).Bind("@to", operation.To).ExecuteNonQuery();
        if (operation.Final)
        {
            _writer.Command(SqliteSchema.UpsertCompactedRevision).Bind("@rev", operation.To).ExecuteNonQuery();
            _persistedCompactedRevision = operation.To;
        }
    }

    /// <summary>Gives freed pages back to the file system and empties the WAL (best effort: a long reader can hold it).</summary>
    private void ReclaimSpace()
    {
        try
        {
            _writer.Execute("PRAGMA incremental_vacuum");
            TryCheckpoint();
        }
        catch (SqliteException)
        {
            // Space is reclaimed at the next compaction instead.
        }
    }

    private void TryCheckpoint()
    {
        try
        {
            using var reader = _writer.Command("PRAGMA wal_checkpoint(TRUNCATE)").ExecuteReader();
            while (reader.Read())
            {
            }
        }
        catch (SqliteException)
        {
            // A reader holds the WAL; the next checkpoint gets it.
        }
    }

    /// <summary>Every <see cref="SqliteStoreOptions.CompactInterval"/>, compacts all but the newest <see cref="SqliteStoreOptions.RetainRevisions"/>.</summary>
    private async Task RunCompactorAsync()
    {
        var interval = _options.CompactInterval;
        if (interval <= TimeSpan.Zero || interval == Timeout.InfiniteTimeSpan)
        {
            return;
        }
        using var timer = new PeriodicTimer(interval, _options.TimeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(_closing.Token).ConfigureAwait(false))
            {
                var target = CurrentRevision - _options.RetainRevisions;
                if (target > CompactedRevision)
                {
                    try
                    {
                        await CompactAsync(target, _closing.Token).ConfigureAwait(false);
                    }
                    catch (Exception exception) when (exception is SqliteException or InvalidOperationException)
                    {
                        // Retried at the next tick; a failed batch has already been rolled back.
                    }
                }
            }
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested)
        {
            // Closing.
        }
    }
}
