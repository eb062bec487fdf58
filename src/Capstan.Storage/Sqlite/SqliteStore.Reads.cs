using Microsoft.Data.Sqlite;

namespace Capstan.Storage.Sqlite;

public sealed partial class SqliteStore
{
    // Text sorts before every blob in SQLite, so this blob is an upper bound above every key.
    private static readonly byte[] s_noUpperBound = [0xFF];

    public Task<KeyValue?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        var connection = _readers.Rent();
        try
        {
            using var reader = connection.Command(SqliteSchema.Get).Bind("@name", key).ExecuteReader();
            KeyValue? result = reader.Read() ? new KeyValue(key, (byte[])reader.GetValue(0), reader.GetInt64(1), reader.GetInt64(2)) : null;
            return Task.FromResult(result);
        }
        finally
        {
            _readers.Return(connection);
        }
    }

    public Task<RangeResult> RangeAsync(
        string prefix, long revision = 0, string? startAfterKey = null, int limit = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentOutOfRangeException.ThrowIfNegative(revision);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfCompacted(revision);
        if (revision > CurrentRevision)
        {
            throw new ArgumentOutOfRangeException(nameof(revision), revision, $"is newer than the current revision {CurrentRevision}");
        }

        var connection = _readers.Rent();
        try
        {
            RangeResult result;
            // One read transaction: the revision, the page and the count all come from the same snapshot.
            connection.Execute("BEGIN");
            try
            {
                var snapshot = connection.ExecuteScalarInt64(SqliteSchema.SelectRevision);
                result = revision == 0 || revision >= snapshot
                    ? ReadRange(connection, prefix, revision == 0 ? snapshot : revision, latest: true, startAfterKey, limit)
                    : ReadRange(connection, prefix, revision, latest: false, startAfterKey, limit);
            }
            finally
            {
                connection.Execute("COMMIT");
            }
            // A compaction that started while we read may have removed rows the snapshot needed.
            ThrowIfCompacted(revision);
            return Task.FromResult(result);
        }
        finally
        {
            _readers.Return(connection);
        }
    }

    private static RangeResult ReadRange(PreparedConnection connection, string prefix, long revision, bool latest, string? startAfterKey, int limit)
    {
        object upper = KeyPrefix.End(prefix) ?? (object)s_noUpperBound;
        var after = startAfterKey is not null && string.CompareOrdinal(startAfterKey, prefix) >= 0;
        var sql = latest
            ? after ? SqliteSchema.RangeLatestAfter : SqliteSchema.RangeLatest
            : after ? SqliteSchema.RangeAtAfter : SqliteSchema.RangeAt;
        var command = connection.Command(sql).Bind("@lo", prefix).Bind("@hi", upper).Bind("@limit", limit == 0 ? -1 : limit + 1);
        if (after)
        {
            command.Bind("@after", startAfterKey);
        }
        if (!latest)
        {
            command.Bind("@rev", revision);
        }

        var items = new List<KeyValue>();
        var more = false;
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                if (limit != 0 && items.Count == limit)
                {
                    more = true;
                    break;
                }
                items.Add(new KeyValue(reader.GetString(0), (byte[])reader.GetValue(1), reader.GetInt64(2), reader.GetInt64(3)));
            }
        }

        long count = items.Count;
        if (more || after)
        {
            var countCommand = connection.Command(latest ? SqliteSchema.CountLatest : SqliteSchema.CountAt).Bind("@lo", prefix).Bind("@hi", upper);
            if (!latest)
            {
                countCommand.Bind("@rev", revision);
            }
            count = Convert.ToInt64(countCommand.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }
        return new RangeResult(items, revision, more, count);
    }

    /// <summary>
    /// Reads up to <paramref name="pageSize"/> changes under <paramref name="prefix"/> in (<paramref name="after"/>, <paramref name="until"/>],
    /// returning them and the revision the scan reached.
    /// </summary>
    private (List<WatchEvent> Events, long ScannedThrough) ReadHistory(string prefix, long after, long until, int pageSize)
    {
        var events = new List<WatchEvent>();
        var connection = _readers.Rent();
        try
        {
            var command = connection.Command(SqliteSchema.History)
                .Bind("@after", after)
                .Bind("@until", until)
                .Bind("@lo", prefix)
                .Bind("@hi", KeyPrefix.End(prefix) ?? (object)s_noUpperBound)
                .Bind("@limit", pageSize);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                events.Add(ReadEvent(reader));
            }
        }
        finally
        {
            _readers.Return(connection);
        }
        var scannedThrough = events.Count < pageSize ? until : events[^1].Revision;
        return (events, scannedThrough);
    }

    private static WatchEvent ReadEvent(SqliteDataReader reader)
    {
        var revision = reader.GetInt64(0);
        var key = reader.GetString(1);
        var created = reader.GetInt64(2) != 0;
        var deleted = reader.GetInt64(3) != 0;
        var createRevision = reader.GetInt64(4);
        var previous = created || reader.IsDBNull(6)
            ? null
            : new KeyValue(key, (byte[])reader.GetValue(8), reader.GetInt64(7), reader.GetInt64(6));
        return deleted
            ? new WatchEvent(WatchEventType.Delete, revision, new KeyValue(key, ReadOnlyMemory<byte>.Empty, createRevision, revision), previous)
            : new WatchEvent(WatchEventType.Put, revision, new KeyValue(key, (byte[])reader.GetValue(5), createRevision, revision), previous);
    }
}
