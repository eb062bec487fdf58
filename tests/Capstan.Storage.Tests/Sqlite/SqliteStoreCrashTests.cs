using System.Diagnostics;
using System.Globalization;
using Capstan.Storage.Sqlite;
using Xunit.Abstractions;

namespace Capstan.Storage.Tests.Sqlite;

/// <summary>Kills a writing process with SIGKILL and checks that every write it acknowledged survived.</summary>
[Trait("Category", "Slow")]
public sealed class SqliteStoreCrashTests(ITestOutputHelper output)
{
    [Fact]
    public async Task OpenAsync_AfterWriterKilled_HasEveryAcknowledgedWrite()
    {
        using var directory = new TempDirectory();
        var path = directory.File("crash.db");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Capstan.Storage.CrashWriter.dll"));
        start.ArgumentList.Add(path);
        start.ArgumentList.Add("16");

        var acknowledged = new Dictionary<string, long>(StringComparer.Ordinal);
        using (var process = Process.Start(start)!)
        {
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            try
            {
                string? line;
                while (acknowledged.Count < 5000 && (line = await process.StandardOutput.ReadLineAsync(timeout.Token)) is not null)
                {
                    Record(line);
                }
            }
            finally
            {
                process.Kill(); // SIGKILL: no chance to flush or close anything.
            }
            // Lines already in the pipe were printed, hence acknowledged, before the kill.
            string? rest;
            while ((rest = await process.StandardOutput.ReadLineAsync(timeout.Token)) is not null)
            {
                Record(rest);
            }
            await process.WaitForExitAsync(timeout.Token);
            output.WriteLine($"child exit code {process.ExitCode}, {acknowledged.Count} acknowledged writes; stderr: {await stderr}");
        }
        Assert.True(acknowledged.Count >= 5000, "the child stopped before writing enough");

        await using var store = await SqliteStore.OpenAsync(path, new SqliteStoreOptions { CompactInterval = TimeSpan.Zero });
        Assert.True(store.CurrentRevision >= acknowledged.Values.Max());
        foreach (var (key, revision) in acknowledged)
        {
            var value = await store.GetAsync(key);
            Assert.True(value is not null, $"acknowledged write to {key} at {revision} was lost");
            Assert.Equal(revision, value.ModRevision);
        }
        output.WriteLine($"reopened at revision {store.CurrentRevision}; all {acknowledged.Count} acknowledged writes present");

        // The store keeps working after the crash.
        Assert.True((await store.CreateAsync("/after-crash", new byte[] { 1 })).Succeeded);

        void Record(string line)
        {
            if (line == "ready")
            {
                return;
            }
            var parts = line.Split(' ');
            Assert.True(parts is ["ack", _, _], $"unexpected output from the child: {line}");
            acknowledged[parts[1]] = long.Parse(parts[2], CultureInfo.InvariantCulture);
        }
    }
}
