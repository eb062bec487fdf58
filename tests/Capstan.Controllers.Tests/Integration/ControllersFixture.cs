using Capstan.Server;
using k8s;
using Microsoft.Extensions.Logging;

namespace Capstan.Controllers.Tests.Integration;

/// <summary>
/// A real Capstan server on a random loopback port with a temporary data dir, and the controller manager running
/// against it through its admin kubeconfig, shared by the tests of one class.
/// </summary>
public sealed class ControllersFixture : IAsyncLifetime
{
    private readonly CancellationTokenSource _stop = new();
    private ILoggerFactory _loggerFactory = null!;
    private Kubernetes _controllerClient = null!;
    private Task _controllers = Task.CompletedTask;

    public string DataDir { get; } = Path.Combine(Path.GetTempPath(), "capstan-test-" + Guid.NewGuid().ToString("N")[..12]);

    public CapstanServer Server { get; private set; } = null!;

    public Kubernetes Client { get; private set; } = null!;

    public KubernetesClientConfiguration Config { get; private set; } = null!;

    public ILoggerFactory LoggerFactory => _loggerFactory;

    public async Task InitializeAsync()
    {
        Server = await CapstanServer.StartAsync(new ServerConfig
        {
            DataDir = DataDir,
            HttpsPort = CapstanServer.FreePort(),
            LogLevel = LogLevel.Warning,

            // The fixture runs the controller manager itself; a second one inside the server would race it (double creates).
            DisableControllerManager = true,
            DisableScheduler = true,
        }, CancellationToken.None);
        Config = KubernetesClientConfiguration.BuildConfigFromConfigFile(Server.KubeconfigPath);
        Client = new Kubernetes(Config);
        _controllerClient = new Kubernetes(Config);
        _loggerFactory = Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning).AddSimpleConsole(o => o.SingleLine = true));
        // Short periods keep the node failure and pod GC tests quick, and a low threshold lets them see terminated pods collected.
        var options = new ControllerManagerOptions
        {
            // Their tests run their own instance beside the fixture.
            EnableStatefulSetController = false,
            EnableDaemonSetController = false,
            NodeLifecycle = new Capstan.Controllers.NodeLifecycle.NodeLifecycleOptions { NodeMonitorGracePeriod = TimeSpan.FromSeconds(3) },
            PodGarbageCollector = new Capstan.Controllers.PodGarbageCollector.PodGarbageCollectorOptions
            {
                TerminatedPodThreshold = 3,
                Period = TimeSpan.FromSeconds(1),
                OrphanQuarantine = TimeSpan.FromSeconds(1),
            },
        };
        _controllers = ControllerManager.RunAsync(_controllerClient, options, _loggerFactory, _stop.Token);
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            // As the server does: a controller (or informer) stuck at shutdown must not hang the test run; it is reported, not awaited forever.
            await _controllers.WaitAsync(TimeSpan.FromSeconds(15));
        }
        catch (TimeoutException)
        {
            Console.Error.WriteLine("controller manager did not stop within 15 s");
        }
        _controllerClient.Dispose();
        Client.Dispose();
        await Server.DisposeAsync();
        _loggerFactory.Dispose();
        _stop.Dispose();
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
