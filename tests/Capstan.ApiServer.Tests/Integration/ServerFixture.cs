using Capstan.Server;
using k8s;

namespace Capstan.ApiServer.Tests.Integration;

/// <summary>A real Capstan server on a random loopback port with a temporary data dir, shared by the tests of one class.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public string DataDir { get; } = Path.Combine(Path.GetTempPath(), "capstan-test-" + Guid.NewGuid().ToString("N")[..12]);

    public CapstanServer Server { get; private set; } = null!;

    public Kubernetes Client { get; private set; } = null!;

    public KubernetesClientConfiguration Config { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await CapstanServer.StartAsync(new ServerConfig
        {
            DataDir = DataDir,
            HttpsPort = CapstanServer.FreePort(),
            LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,

            // These tests are about the API; the controllers have their own suite (and their shutdown is under investigation).
            DisableControllerManager = true,
            DisableScheduler = true,
        }, CancellationToken.None);
        Config = KubernetesClientConfiguration.BuildConfigFromConfigFile(Server.KubeconfigPath);
        Client = new Kubernetes(Config);
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
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
