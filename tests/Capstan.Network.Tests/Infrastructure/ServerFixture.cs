using Capstan.Client.Dynamic;
using Capstan.Client.Informers;
using Capstan.Server;
using k8s;
using Microsoft.Extensions.Logging;

namespace Capstan.Network.Tests.Infrastructure;

/// <summary>
/// A real Capstan server (API only: no controllers, scheduler or agent) on a random loopback port, so tests write
/// Services and EndpointSlices by hand and watch the network components react.
/// </summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public string DataDir { get; } = Path.Combine(Path.GetTempPath(), "capstan-net-" + Guid.NewGuid().ToString("N")[..12]);

    public CapstanServer Server { get; private set; } = null!;

    public Kubernetes Client { get; private set; } = null!;

    public ILoggerFactory LoggerFactory { get; } = Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning).AddSimpleConsole(o => o.SingleLine = true));

    public async Task InitializeAsync()
    {
        Server = await CapstanServer.StartAsync(new ServerConfig
        {
            DataDir = DataDir,
            HttpsPort = CapstanServer.FreePort(),
            LogLevel = LogLevel.Warning,
            DisableControllerManager = true,
            DisableScheduler = true,
        }, CancellationToken.None);
        Client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(Server.KubeconfigPath));
    }

    /// <summary>A fresh informer factory over a new admin client; the caller starts and disposes it.</summary>
    public SharedInformerFactory CreateInformers() =>
        new(new DynamicClient(new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(Server.KubeconfigPath))), LoggerFactory);

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        LoggerFactory.Dispose();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
