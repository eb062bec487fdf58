using Capstan.Client.Cache;
using Capstan.Client.Dynamic;
using Capstan.Client.Informers;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Capstan.Agent.Env;

/// <summary>
/// Every Service in the cluster through one list-and-watch per agent (the kubelet's service lister), read from memory
/// whenever a container starts.
/// </summary>
public sealed class InformerServiceSource : IServiceSource, IAsyncDisposable
{
    private static readonly ApiResource Services = new("", "v1", "services", "Service", true, ["get", "list", "watch"]);

    private readonly DynamicInformer _informer;
    private readonly CancellationTokenSource _stop = new();
    private readonly TimeSpan _syncTimeout;
    private Task _loop = Task.CompletedTask;

    public InformerServiceSource(IKubernetes client, ILoggerFactory loggerFactory, TimeProvider? time = null, TimeSpan? syncTimeout = null)
    {
        _informer = new DynamicInformer(new DynamicClient(client), Services, null, loggerFactory.CreateLogger<DynamicInformer>(), time);
        _syncTimeout = syncTimeout ?? TimeSpan.FromSeconds(10);
    }

    public void Start() => _loop = Task.Run(() => _informer.RunAsync(_stop.Token), CancellationToken.None);

    public async Task<IReadOnlyList<V1Service>> ServicesAsync(string ns, CancellationToken ct)
    {
        if (!_informer.HasSynced)
        {
            try
            {
                await _informer.WaitForSyncAsync(ct).WaitAsync(_syncTimeout, ct).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // The kubelet refuses too: a container started without its service variables would never get them.
                throw new EnvConfigException("services have not yet been read at least once, cannot construct envvars");
            }
        }

        var objects = _informer.Cache.ByIndex(IndexedCache.NamespaceIndex, ns);
        if (ns != "default")
        {
            objects = [.. objects, .. _informer.Cache.ByIndex(IndexedCache.NamespaceIndex, "default").Where(s => s.GetName() == ServiceEnvVars.MasterService)];
        }

        return [.. objects.Select(o => KubernetesJson.Deserialize<V1Service>(o.ToJsonString()))];
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}
