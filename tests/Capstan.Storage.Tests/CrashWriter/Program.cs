using Capstan.Storage.Sqlite;

// Usage: Capstan.Storage.CrashWriter <database path> <concurrent writers>
// Prints "ready" once open, then "ack <key> <revision>" for each write only after the store acknowledged it.
// Runs until killed; the parent kills it with SIGKILL and checks every acknowledged write survived.
var path = args[0];
var writers = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
var store = await SqliteStore.OpenAsync(path, new SqliteStoreOptions { CompactInterval = TimeSpan.Zero });
var output = Console.Out;
output.WriteLine("ready");

await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
{
    var value = new byte[512];
    for (var i = 0; ; i++)
    {
        var key = $"/crash/{w:D2}/{i:D8}";
        value[0] = (byte)i;
        var result = await store.CreateAsync(key, value);
        if (!result.Succeeded)
        {
            output.WriteLine($"failed {key}");
            continue;
        }
        // Every few writes, replace an earlier key too, so updates are checked as well as creates.
        if (i % 4 == 3)
        {
            var updated = await store.UpdateAsync(key, new byte[] { 42 }, result.Revision);
            output.WriteLine($"ack {key} {updated.Revision}");
        }
        else
        {
            output.WriteLine($"ack {key} {result.Revision}");
        }
    }
})));
