using Capstan.Client.Dynamic;
using Capstan.Client.Informers;
using Capstan.Controllers.DaemonSet;
using Capstan.Server;
using k8s;
using Microsoft.Extensions.Logging;

namespace Capstan.Controllers.Tests.DaemonSet;

/// <summary>
/// A Capstan server with no controller manager or scheduler, and only the DaemonSet controller running against it, so
/// nothing else (node lifecycle taints, scheduling) moves the nodes and pods the tests look at.
/// </summary>
public sealed class DaemonSetFixture : IAsyncLifetime
{
    private readonly CancellationTokenSource _stop = new();
    private ILoggerFactory _loggerFactory = null!;
    private Kubernetes _controllerClient = null!;
    private SharedInformerFactory _informers = null!;
    private DaemonSetController _controller = null!;

    public string DataDir { get; } = Path.Combine(Path.GetTempPath(), "capstan-test-" + Guid.NewGuid().ToString("N")[..12]);

    public CapstanServer Server { get; private set; } = null!;

    public Kubernetes Client { get; private set; } = null!;

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
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(Server.KubeconfigPath);
        Client = new Kubernetes(config);
        _controllerClient = new Kubernetes(config);
        _loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning).AddSimpleConsole(o => o.SingleLine = true));
        _informers = new SharedInformerFactory(new DynamicClient(_controllerClient), _loggerFactory);
        _controller = new DaemonSetController(_informers, _loggerFactory, 2, null);
        _informers.Start(_stop.Token);
        await _controller.StartAsync(_stop.Token);
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _controller.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(15));
        }
        catch (TimeoutException)
        {
            Console.Error.WriteLine("daemonset controller did not stop within 15 s");
        }

        _controller.Dispose();
        await _informers.DisposeAsync();
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
}
