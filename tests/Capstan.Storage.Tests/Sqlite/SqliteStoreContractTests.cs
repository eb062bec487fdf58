using Capstan.Storage.Sqlite;

namespace Capstan.Storage.Tests.Sqlite;

public sealed class SqliteStoreContractTests : StoreContractTests
{
    private readonly TempDirectory _directory = new();

    private string DatabasePath => _directory.File("store.db");

    protected override async Task<IStore> CreateStoreAsync() => await SqliteStore.OpenAsync(DatabasePath, Options);

    protected override async Task<IStore> ReopenStoreAsync() => await SqliteStore.OpenAsync(DatabasePath, Options);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _directory.Dispose();
    }

    // The background compactor would race with the tests' own compactions.
    private static SqliteStoreOptions Options => new() { CompactInterval = TimeSpan.Zero };
}
