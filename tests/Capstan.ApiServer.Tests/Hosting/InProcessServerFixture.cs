using Capstan.Server;

namespace Capstan.ApiServer.Tests.Hosting;

/// <summary>A real Capstan server (no controllers) whose tests talk to it through in-process clients.</summary>
public sealed class InProcessServerFixture : IAsyncLifetime
{
    public string DataDir { get; } = Path.Combine(Path.GetTempPath(), "capstan-test-" + Guid.NewGuid().ToString("N")[..12]);

    public CapstanServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await CapstanServer.StartAsync(new ServerConfig
        {
            DataDir = DataDir,
            HttpsPort = CapstanServer.FreePort(),
            LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
            DisableControllerManager = true,
        }, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
