using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Capstan.Scheduler.Binding;

/// <summary>Writes bindings (POST pods/{name}/binding), a bounded number at once so a burst of decisions is bound in parallel.</summary>
internal sealed class PodBinder
{
    private readonly IKubernetes _client;
    // Never disposed: bindings still finishing when the scheduler stops release their slot after it.
    private readonly SemaphoreSlim _slots;

    public PodBinder(IKubernetes client, int concurrency)
    {
        _client = client;
        _slots = new SemaphoreSlim(concurrency, concurrency);
    }

    /// <summary>Binds the pod; <see cref="BindOutcome.Gone"/> when it was deleted or someone else bound it first.</summary>
    public async Task<BindOutcome> BindAsync(string ns, string name, string uid, string node, CancellationToken ct)
    {
        await _slots.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var binding = new V1Binding
            {
                Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Uid = uid },
                Target = new V1ObjectReference { ApiVersion = "v1", Kind = "Node", Name = node },
            };
            await _client.CoreV1.CreateNamespacedPodBindingAsync(binding, name, ns, cancellationToken: ct).ConfigureAwait(false);
            return BindOutcome.Bound;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Conflict)
        {
            return BindOutcome.Gone;
        }
        finally
        {
            _slots.Release();
        }
    }
}
