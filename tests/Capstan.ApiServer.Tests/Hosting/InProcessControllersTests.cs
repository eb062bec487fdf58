using Capstan.Server;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Capstan.ApiServer.Tests.Hosting;

/// <summary>
/// The controller manager inside `capstan server` works through the in-process transport, as
/// system:kube-controller-manager under RBAC: nothing else runs controllers against this server.
/// </summary>
[Trait("Category", "Slow")]
public sealed class InProcessControllersTests : IAsyncLifetime
{
    private static readonly TimeSpan FinishWithin = TimeSpan.FromSeconds(60);

    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "capstan-test-" + Guid.NewGuid().ToString("N")[..12]);
    private CapstanServer _server = null!;
    private Kubernetes _client = null!;

    public async Task InitializeAsync()
    {
        _server = await CapstanServer.StartAsync(new ServerConfig
        {
            DataDir = _dataDir,
            HttpsPort = CapstanServer.FreePort(),
            LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
        }, CancellationToken.None);
        _client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(_server.KubeconfigPath));
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task GarbageCollector_DeletesTheDependentOfADeletedOwner()
    {
        var owner = await _client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "owner" } }, "default");
        await _client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta
            {
                Name = "dependent",
                OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "ConfigMap", Name = "owner", Uid = owner.Metadata.Uid }],
            },
        }, "default");

        await _client.CoreV1.DeleteNamespacedConfigMapAsync("owner", "default");

        Assert.True(await EventuallyAsync(async () => !await ExistsAsync(() => _client.CoreV1.ReadNamespacedConfigMapAsync("dependent", "default"))));
    }

    [Fact]
    public async Task NamespaceController_EmptiesAndRemovesADeletedNamespace()
    {
        await _client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "in-process-doomed" } });
        await _client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "content" } }, "in-process-doomed");

        await _client.CoreV1.DeleteNamespaceAsync("in-process-doomed");

        Assert.True(await EventuallyAsync(async () => !await ExistsAsync(() => _client.CoreV1.ReadNamespaceAsync("in-process-doomed"))));
    }

    private static async Task<bool> ExistsAsync<T>(Func<Task<T>> read)
    {
        try
        {
            await read();
            return true;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    private static async Task<bool> EventuallyAsync(Func<Task<bool>> condition)
    {
        using var deadline = new CancellationTokenSource(FinishWithin);
        while (!deadline.IsCancellationRequested)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(100, CancellationToken.None);
        }

        return false;
    }
}
