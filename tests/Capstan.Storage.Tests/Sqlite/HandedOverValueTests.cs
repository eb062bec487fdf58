using System.Runtime.InteropServices;
using Capstan.Storage.Sqlite;

namespace Capstan.Storage.Tests.Sqlite;

public sealed class HandedOverValueTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Take_HandedOverArray_ReturnsTheArray()
    {
        var array = new byte[] { 1, 2, 3 };

        Assert.Same(array, HandedOverValue.Take(HandedOverValue.Of(array)));
    }

    [Fact]
    public void Take_OtherMemory_ReturnsACopy()
    {
        var array = new byte[] { 1, 2, 3 };

        var plain = HandedOverValue.Take(array);
        var slice = HandedOverValue.Take(HandedOverValue.Of(array)[1..]);

        Assert.NotSame(array, plain);
        Assert.Equal(array, plain);
        Assert.Equal(new byte[] { 2, 3 }, slice);
    }

    [Fact]
    public async Task SqliteStore_HandedOverValue_KeptWithoutCopy()
    {
        await using var store = await SqliteStore.OpenAsync(_directory.File("store.db"), new SqliteStoreOptions { CompactInterval = TimeSpan.Zero });
        var created = new byte[] { 1 };
        var updated = new byte[] { 2, 3 };
        var reused = new byte[] { 4 };

        var create = await store.CreateAsync("/k", HandedOverValue.Of(created));
        var update = await store.UpdateAsync("/k", HandedOverValue.Of(updated), create.Revision);
        var plain = await store.UpdateAsync("/k", reused, update.Revision);
        reused[0] = 9;

        Assert.True(MemoryMarshal.TryGetArray(create.Current!.Value, out var c) && ReferenceEquals(c.Array, created));
        Assert.True(MemoryMarshal.TryGetArray(update.Current!.Value, out var u) && ReferenceEquals(u.Array, updated));
        Assert.Equal(new byte[] { 4 }, plain.Current!.Value.ToArray());
        Assert.Equal(new byte[] { 2, 3 }, plain.Previous!.Value.ToArray());
        Assert.Equal(new byte[] { 4 }, (await store.GetAsync("/k"))!.Value.ToArray());
    }
}
