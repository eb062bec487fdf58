namespace Capstan.Storage.Sqlite;

/// <summary>What the writer knows about a key without a query: its newest row, and whether that row is a tombstone.</summary>
internal readonly record struct KeyState(long ModRevision, long CreateRevision, bool Deleted);
