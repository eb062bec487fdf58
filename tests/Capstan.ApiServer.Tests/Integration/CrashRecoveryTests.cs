using System.Collections.Concurrent;
using Capstan.Server;
using k8s;
using k8s.Models;

namespace Capstan.ApiServer.Tests.Integration;

[Trait("Category", "Slow")]
public sealed class CrashRecoveryTests
{
    [Fact]
    public async Task SigKill_DuringConcurrentWrites_KeepsEveryAcknowledgedWrite()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "capstan-crash-" + Guid.NewGuid().ToString("N")[..10]);
        var port = CapstanServer.FreePort();
        var acknowledged = new ConcurrentBag<string>();
        try
        {
            await using (var server = await ServerProcess.StartAsync(dataDir, port))
            {
                using var client = server.Client();
                using var stop = new CancellationTokenSource();
                var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
                {
                    for (var i = 0; i < 100_000 && !stop.IsCancellationRequested; i++)
                    {
                        var name = $"w{w}-{i}";
                        try
                        {
                            await client.CreateNamespacedConfigMapAsync(
                                new V1ConfigMap { Metadata = new V1ObjectMeta { Name = name }, Data = new Dictionary<string, string> { ["v"] = new string('x', 512) } },
                                "default");
                            acknowledged.Add(name);
                        }
                        catch (Exception) when (stop.IsCancellationRequested)
                        {
                            return;
                        }
                        catch (HttpRequestException)
                        {
                            return;
                        }
                    }
                })).ToArray();

                // Let writes flow, then kill the server while they are in flight.
                var deadline = DateTime.UtcNow.AddSeconds(20);
                while (acknowledged.Count < 300 && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(20);
                }

                server.Kill();
                stop.Cancel();
                await Task.WhenAll(writers.Select(t => t.ContinueWith(_ => { })));
            }

            Assert.True(acknowledged.Count >= 300, $"only {acknowledged.Count} writes were acknowledged before the kill");
            await using var restarted = await ServerProcess.StartAsync(dataDir, port);
            using var again = restarted.Client();
            var stored = (await again.ListNamespacedConfigMapAsync("default")).Items.Select(c => c.Metadata.Name).ToHashSet();
            var lost = acknowledged.Where(n => !stored.Contains(n)).ToList();
            Assert.Empty(lost);
        }
        finally
        {
            try
            {
                Directory.Delete(dataDir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    [Fact]
    public async Task SecondServer_OnSameDataDir_RefusesToStart()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "capstan-lock-" + Guid.NewGuid().ToString("N")[..10]);
        try
        {
            await using var first = await CapstanServer.StartAsync(new ServerConfig { DataDir = dataDir, HttpsPort = CapstanServer.FreePort(), LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning }, CancellationToken.None);
            var ex = await Assert.ThrowsAsync<DataDirInUseException>(() =>
                CapstanServer.StartAsync(new ServerConfig { DataDir = dataDir, HttpsPort = CapstanServer.FreePort() }, CancellationToken.None));
            Assert.Contains("already using the data dir", ex.Message);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
