using Capstan.Server;
using k8s;
using Microsoft.Extensions.Logging;

namespace Capstan.Agent.Tests.Support;

/// <summary>A real Capstan server (no controller manager) on a random loopback port with a temporary data dir, shared by one test class.</summary>
public sealed class AgentFixture : IAsyncLifetime
{
    public string DataDir { get; } = Path.Combine(Path.GetTempPath(), "capstan-agent-test-" + Guid.NewGuid().ToString("N")[..12]);

    public CapstanServer Server { get; private set; } = null!;

    public Kubernetes Client { get; private set; } = null!;

    public ILoggerFactory LoggerFactory { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await CapstanServer.StartAsync(new ServerConfig
        {
            DataDir = Path.Combine(DataDir, "server"),
            HttpsPort = CapstanServer.FreePort(),
            DisableControllerManager = true,
            DisableScheduler = true,
            LogLevel = LogLevel.Warning,
        }, CancellationToken.None);
        Client = NewClient();
        LoggerFactory = Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning).AddSimpleConsole(o => o.SingleLine = true));
    }

    public Kubernetes NewClient() => new(KubernetesClientConfiguration.BuildConfigFromConfigFile(Server.KubeconfigPath));

    /// <summary>Agent options for a node of this test, with a short restart back-off.</summary>
    public AgentOptions Options(string nodeName) => new()
    {
        NodeName = nodeName,
        DataDir = Path.Combine(DataDir, nodeName),
        BackOffBase = TimeSpan.FromMilliseconds(300),
        MaxBackOff = TimeSpan.FromSeconds(5),
        NodeStatusUpdateFrequency = TimeSpan.FromMilliseconds(500),
        LeaseRenewInterval = TimeSpan.FromMilliseconds(500),
    };

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

    /// <summary>Polls <paramref name="condition"/> until it holds or 30 s pass; returns whether it held.</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(100);
        }

        return await condition();
    }
}
