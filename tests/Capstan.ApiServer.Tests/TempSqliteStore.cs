using Capstan.Storage.Sqlite;

namespace Capstan.ApiServer.Tests;

/// <summary>A SQLite store in a directory of its own under the system temp folder, removed on dispose.</summary>
internal sealed class TempSqliteStore : IAsyncDisposable
{
    private readonly string _dir;

    private TempSqliteStore(string dir, SqliteStore store)
    {
        _dir = dir;
        Store = store;
    }

    public SqliteStore Store { get; }

    public static async Task<TempSqliteStore> OpenAsync(string prefix)
    {
        var dir = Path.Combine(Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        return new TempSqliteStore(dir, await SqliteStore.OpenAsync(Path.Combine(dir, "state.db")));
    }

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}
