namespace Capstan.Storage.Sqlite;

/// <summary>The tables and the statements run against them.</summary>
internal static class SqliteSchema
{
    // kv is the append-only log: the row id is the revision. A delete is a row too (deleted = 1, empty value).
    // prev_revision links a row to the one it replaced (for a create after a delete: the tombstone), so the unique
    // index makes two writers that raced on the same predecessor collide instead of both succeeding.
    // current maps each key to its newest row (tombstones included until compacted), so reads at the latest
    // revision and counts cost one lookup per key whatever the length of its history.
    public const string Create = """
        CREATE TABLE IF NOT EXISTS kv (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            created INTEGER NOT NULL,
            deleted INTEGER NOT NULL,
            create_revision INTEGER NOT NULL,
            prev_revision INTEGER NOT NULL,
            value BLOB NOT NULL);
        CREATE UNIQUE INDEX IF NOT EXISTS kv_name_prev_revision ON kv (name, prev_revision);
        CREATE INDEX IF NOT EXISTS kv_name_id ON kv (name, id);
        CREATE TABLE IF NOT EXISTS current (name TEXT PRIMARY KEY, id INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
        """;

    public const string CompactedRevisionName = "compacted_revision";

    // sqlite_sequence keeps the highest id ever handed out, even after compaction deleted that row.
    public const string SelectRevision = "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'kv'), 0)";

    public const string SelectCompactedRevision = "SELECT COALESCE((SELECT value FROM meta WHERE name = 'compacted_revision'), 0)";

    public const string UpsertCompactedRevision =
        "INSERT INTO meta (name, value) VALUES ('compacted_revision', @rev) ON CONFLICT (name) DO UPDATE SET value = excluded.value";

    public const string SelectKeys =
        "SELECT c.name, k.id, k.create_revision, k.deleted FROM current c JOIN kv k ON k.id = c.id";

    public const string Insert =
        "INSERT INTO kv (id, name, created, deleted, create_revision, prev_revision, value) VALUES (@id, @name, @created, @deleted, @create_revision, @prev_revision, @value)";

    public const string UpsertCurrent =
        "INSERT INTO current (name, id) VALUES (@name, @id) ON CONFLICT (name) DO UPDATE SET id = excluded.id";

    public const string SelectValue = "SELECT value FROM kv WHERE id = @id";

    public const string Get =
        "SELECT k.value, k.create_revision, k.id FROM current c JOIN kv k ON k.id = c.id WHERE c.name = @name AND k.deleted = 0";

    // Keys from @lo up to @hi; @hi is a string, or a blob to mean "no upper bound" (SQLite orders every text value before every blob).
    public const string RangeLatest =
        "SELECT c.name, k.value, k.create_revision, k.id FROM current c JOIN kv k ON k.id = c.id " +
        "WHERE c.name >= @lo AND c.name < @hi AND k.deleted = 0 ORDER BY c.name LIMIT @limit";

    public const string RangeLatestAfter =
        "SELECT c.name, k.value, k.create_revision, k.id FROM current c JOIN kv k ON k.id = c.id " +
        "WHERE c.name >= @lo AND c.name < @hi AND c.name > @after AND k.deleted = 0 ORDER BY c.name LIMIT @limit";

    public const string CountLatest =
        "SELECT COUNT(*) FROM current c JOIN kv k ON k.id = c.id WHERE c.name >= @lo AND c.name < @hi AND k.deleted = 0";

    // At a past revision: the newest row of each key at or below it, unless that row is a tombstone. Walking the (name, id)
    // index in key order with a correlated MAX keeps the result streaming, so LIMIT stops the scan early when paging.
    public const string RangeAt =
        "SELECT k.name, k.value, k.create_revision, k.id FROM kv k " +
        "WHERE k.name >= @lo AND k.name < @hi AND k.id <= @rev AND k.deleted = 0 " +
        "AND k.id = (SELECT MAX(x.id) FROM kv x WHERE x.name = k.name AND x.id <= @rev) ORDER BY k.name LIMIT @limit";

    public const string RangeAtAfter =
        "SELECT k.name, k.value, k.create_revision, k.id FROM kv k " +
        "WHERE k.name >= @lo AND k.name < @hi AND k.name > @after AND k.id <= @rev AND k.deleted = 0 " +
        "AND k.id = (SELECT MAX(x.id) FROM kv x WHERE x.name = k.name AND x.id <= @rev) ORDER BY k.name LIMIT @limit";

    public const string CountAt =
        "SELECT COUNT(*) FROM (SELECT MAX(id) AS id FROM kv WHERE name >= @lo AND name < @hi AND id <= @rev GROUP BY name) l " +
        "JOIN kv k ON k.id = l.id WHERE k.deleted = 0";

    // History for watch replay, scanned by revision ("+" keeps the planner off the name index: replays start near the head).
    public const string History =
        "SELECT k.id, k.name, k.created, k.deleted, k.create_revision, k.value, p.id, p.create_revision, p.value " +
        "FROM kv k LEFT JOIN kv p ON k.created = 0 AND p.id = k.prev_revision " +
        "WHERE k.id > @after AND k.id <= @until AND +k.name >= @lo AND +k.name < @hi ORDER BY k.id LIMIT @limit";

    // Compaction of the rows written in (@from, @to]: each row's predecessor is superseded, and tombstones go too.
    // Earlier rows were handled by earlier compactions, so scanning only the new range finds everything.
    public const string SelectTombstones = "SELECT id, name FROM kv WHERE id > @from AND id <= @to AND deleted = 1";

    public const string DeleteSuperseded =
        "DELETE FROM kv WHERE id IN (SELECT prev_revision FROM kv WHERE id > @from AND id <= @to AND prev_revision > 0)";

    public const string DeleteTombstones = "DELETE FROM kv WHERE id > @from AND id <= @to AND deleted = 1";

    public const string DeleteCurrent = "DELETE FROM current WHERE name = @name AND id = @id";
}
