using Capstan.Server;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Capstan.Scheduler.Tests.Integration;

/// <summary>
/// A real Capstan server (no controller manager) on a random loopback port with a temporary data dir, and the scheduler
/// running against it through the admin kubeconfig, shared by the tests of one class.
/// </summary>
public sealed class SchedulerFixture : IAsyncLifetime
{

    private readonly CancellationTokenSource _stop = new();
    private ILoggerFactory _loggerFactory = null!;
    private Kubernetes _schedulerClient = null!;
    private Task _scheduler = Task.CompletedTask;

    public string DataDir { get; } = Path.Combine(Path.GetTempPath(), "capstan-sched-" + Guid.NewGuid().ToString("N")[..12]);

    public CapstanServer Server { get; private set; } = null!;

    public Kubernetes Client { get; private set; } = null!;

    public ILoggerFactory LoggerFactory => _loggerFactory;

    public async Task InitializeAsync()
    {
        Server = await CapstanServer.StartAsync(new ServerConfig
        {
            DataDir = DataDir,
            HttpsPort = CapstanServer.FreePort(),
            DisableControllerManager = true,
            DisableScheduler = true,
            LogLevel = LogLevel.Warning,
        }, CancellationToken.None);
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(Server.KubeconfigPath);
        Client = new Kubernetes(config);
        _schedulerClient = new Kubernetes(config);
        _loggerFactory = Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning).AddSimpleConsole(o => o.SingleLine = true));
        _scheduler = SchedulerService.RunAsync(_schedulerClient, new SchedulerOptions(), _loggerFactory, _stop.Token);
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _scheduler;
        _schedulerClient.Dispose();
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

    /// <summary>Creates a Ready node with the given allocatable (create, then write its status through the status subresource).</summary>
    public async Task<V1Node> CreateNodeAsync(string name, string cpu, string memory, string pods = "110", IDictionary<string, string>? labels = null, IList<V1Taint>? taints = null)
    {
        var node = await Client.CreateNodeAsync(new V1Node
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = labels ?? new Dictionary<string, string> { ["kubernetes.io/hostname"] = name } },
            Spec = new V1NodeSpec { Taints = taints },
        });
        var quantities = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpu), ["memory"] = new(memory), ["pods"] = new(pods), ["ephemeral-storage"] = new("100Gi") };
        node.Status = new V1NodeStatus
        {
            Capacity = quantities,
            Allocatable = quantities,
            Conditions = [new V1NodeCondition { Type = "Ready", Status = "True", Reason = "KubeletReady", LastHeartbeatTime = DateTime.UtcNow, LastTransitionTime = DateTime.UtcNow }],
        };
        return await Client.ReplaceNodeStatusAsync(node, name);
    }

    public Task<V1Pod> CreatePodAsync(string ns, string name, string? cpu = null, string? memory = null, IDictionary<string, string>? nodeSelector = null, string? schedulerName = null)
    {
        var requests = new Dictionary<string, ResourceQuantity>();
        if (cpu is not null)
        {
            requests["cpu"] = new ResourceQuantity(cpu);
        }

        if (memory is not null)
        {
            requests["memory"] = new ResourceQuantity(memory);
        }

        return Client.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1PodSpec
            {
                NodeSelector = nodeSelector,
                SchedulerName = schedulerName,
                Containers = [new V1Container { Name = "c", Image = "busybox", Resources = new V1ResourceRequirements { Requests = requests } }],
            },
        }, ns);
    }

    public async Task EnsureNamespaceAsync(string ns)
    {
        await Client.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
    }

    /// <summary>Polls <paramref name="condition"/> until it holds or 30 s pass; returns whether it held.</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, int pollMilliseconds = 50)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(pollMilliseconds);
        }

        return await condition();
    }
}
