using System.Text.Json.Nodes;
using Capstan.Api.Validation;
using Capstan.Client.Dynamic;
using Capstan.Client.Informers;
using Capstan.Client.Reconciling;
using Capstan.Controllers.Events;
using Capstan.Controllers.Ownership;
using Capstan.Controllers.Resources;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Capstan.Controllers.Volumes.Ephemeral;

/// <summary>
/// Kubernetes' ephemeral volume controller: for each generic <c>ephemeral</c> volume of a pod it creates the claim
/// "&lt;pod&gt;-&lt;volume&gt;" from volumeClaimTemplate, owned (controller: true) by the pod so that it goes with it. A claim of
/// that name the pod does not own is left alone and reported (the pod cannot start with it).
/// </summary>
public sealed class EphemeralVolumeController : Controller
{
    public const string Component = "ephemeral-volume-controller";

    private readonly IKubernetes _kube;
    private readonly DynamicInformer _pods;
    private readonly DynamicInformer _claims;
    private readonly EventRecorder _events;

    public EphemeralVolumeController(SharedInformerFactory informers, ILoggerFactory loggerFactory, int workers = 2, TimeProvider? time = null)
        : base(Component, workers, loggerFactory.CreateLogger<EphemeralVolumeController>(), time)
    {
        _kube = informers.Client.Kubernetes;
        _events = new EventRecorder(_kube, Component, loggerFactory.CreateLogger<EphemeralVolumeController>(), Time);
        _pods = informers.For(KnownResources.Pods);
        _claims = informers.For(VolumeResources.PersistentVolumeClaims);
        _pods.AddEventHandler(new ResourceEventHandler
        {
            OnAdd = EnqueueIfEphemeral,
            OnUpdate = (_, p) => EnqueueIfEphemeral(p),
        });
        _claims.AddEventHandler(new ResourceEventHandler
        {
            OnDelete = c =>
            {
                if (ControllerRefs.ControllerOf(c) is { Kind: "Pod" } owner)
                {
                    Queue.Add($"{c.GetNamespace()}/{owner.Name}");
                }
            },
        });
    }

    protected override IReadOnlyCollection<DynamicInformer> Informers => [_pods, _claims];

    protected override async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken ct)
    {
        var pod = _pods.Cache.Get(key);
        if (pod is null || pod.IsBeingDeleted())
        {
            return ReconcileResult.Done;
        }

        foreach (var (_, volume) in VolumeFacts.Spec(pod).Items("volumes"))
        {
            if (volume["ephemeral"]?["volumeClaimTemplate"] is not JsonObject template)
            {
                continue;
            }

            var name = Api.Kinds.Core.PodVolumeClaims.EphemeralClaimName(pod.GetName(), volume.StrOrEmpty("name"));
            if (_claims.Cache.Get($"{pod.GetNamespace()}/{name}") is { } existing)
            {
                if (ControllerRefs.ControllerOf(existing)?.Uid != pod.GetUid())
                {
                    _events.Warning(pod, "FailedBinding", $"PVC {pod.GetNamespace()}/{name} was not created for the pod");
                }

                continue;
            }

            await CreateClaimAsync(pod, name, template, ct).ConfigureAwait(false);
        }

        return ReconcileResult.Done;
    }

    private async Task CreateClaimAsync(JsonObject pod, string name, JsonObject template, CancellationToken ct)
    {
        var meta = template["metadata"]?.DeepClone() as JsonObject ?? new JsonObject();
        meta["name"] = name;
        meta["namespace"] = pod.GetNamespace();
        var owner = ControllerRefs.For(pod);
        owner["apiVersion"] = "v1";
        owner["kind"] = "Pod";
        meta["ownerReferences"] = new JsonArray(owner);
        var claim = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "PersistentVolumeClaim",
            ["metadata"] = meta,
            ["spec"] = template["spec"]?.DeepClone() ?? new JsonObject(),
        };
        try
        {
            await _kube.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(
                KubernetesJson.Deserialize<V1PersistentVolumeClaim>(claim.ToJsonString()), pod.GetNamespace(), cancellationToken: ct).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
        }
        catch (HttpOperationException ex)
        {
            _events.Warning(pod, "FailedCreate", $"create PVC {name}: {ex.Response.Content}");
            throw;
        }
    }

    private void EnqueueIfEphemeral(JsonObject pod)
    {
        if (VolumeFacts.Spec(pod).Items("volumes").Any(v => v.Item["ephemeral"] is JsonObject))
        {
            Queue.Add(pod.GetKey());
        }
    }
}
