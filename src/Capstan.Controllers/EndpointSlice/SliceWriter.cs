using System.Text.Json.Nodes;
using Capstan.Api.Validation;
using Capstan.Client.Dynamic;
using Capstan.Controllers.Endpoints;
using Capstan.Controllers.Pods;
using k8s;
using k8s.Models;

namespace Capstan.Controllers.EndpointSlice;

/// <summary>
/// Carries out a <see cref="SlicePlan"/> for one Service: every slice gets the given labels and annotations, the Service
/// as controller owner and (when written) the last-change-trigger-time; slices whose metadata alone is stale are updated too.
/// Returns the writes for <see cref="SliceWriteTracker"/>.
/// </summary>
internal sealed class SliceWriter(DynamicClient client)
{
    private readonly IKubernetes _kube = client.Kubernetes;

    /// <param name="writes">Filled as writes succeed (slice name to resourceVersion, null for a delete), so a caller sees them even when a later write throws.</param>
    public async Task ApplyAsync(
        JsonObject service, SlicePlan plan, JsonObject labels, JsonObject annotations, string namePrefix, DateTimeOffset? lastChange,
        Dictionary<string, long?> writes, CancellationToken ct)
    {
        var ns = service.GetNamespace();
        var owner = Owner(service);
        foreach (var slice in plan.Delete)
        {
            await client.DeleteAsync(ServiceResources.EndpointSlices, ns, slice.GetName(), new DeleteOptions { PreconditionUid = slice.GetUid() }, ct).ConfigureAwait(false);
            writes[slice.GetName()] = null;
        }

        foreach (var slice in plan.Update.Concat(plan.Unchanged.Where(s => !MetadataCurrent(s, labels, annotations, owner))))
        {
            var copy = slice.DeepCopy();
            var meta = copy.EnsureObj("metadata");
            meta["labels"] = labels.DeepClone();
            meta["ownerReferences"] = new JsonArray(owner.DeepClone());
            meta["annotations"] = Annotations(annotations, lastChange);
            try
            {
                var updated = await client.UpdateAsync(ServiceResources.EndpointSlices, copy, ct).ConfigureAwait(false);
                writes[updated.GetName()] = SliceWriteTracker.Version(updated);
            }
            catch (ApiRequestException ex) when (ex.IsNotFound || ex.IsConflict)
            {
                // Deleted or changed meanwhile: that slice event brings the Service back for another pass.
            }
        }

        foreach (var body in plan.Create)
        {
            var meta = new JsonObject
            {
                ["generateName"] = namePrefix,
                ["namespace"] = ns,
                ["labels"] = labels.DeepClone(),
                ["ownerReferences"] = new JsonArray(owner.DeepClone()),
                ["annotations"] = Annotations(annotations, lastChange),
            };
            var slice = new JsonObject { ["apiVersion"] = "discovery.k8s.io/v1", ["kind"] = "EndpointSlice", ["metadata"] = meta };
            foreach (var (key, value) in body)
            {
                slice[key] = value?.DeepClone();
            }

            var created = await _kube.DiscoveryV1.CreateNamespacedEndpointSliceAsync(
                KubernetesJson.Deserialize<V1EndpointSlice>(slice.ToJsonString()), ns, cancellationToken: ct).ConfigureAwait(false);
            writes[created.Metadata.Name] = long.TryParse(created.Metadata.ResourceVersion, out var v) ? v : null;
        }
    }

    /// <summary>The ownerReference from a slice to its Service (controller, blocking the Service's foreground deletion).</summary>
    public static JsonObject Owner(JsonObject service) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Service",
        ["name"] = service.GetName(),
        ["uid"] = service.GetUid(),
        ["controller"] = true,
        ["blockOwnerDeletion"] = true,
    };

    /// <summary>A generateName prefix: the Service name and a dash, shortened so that the generated name stays a valid label-length name.</summary>
    public static string Prefix(string serviceName) => (serviceName.Length > 57 ? serviceName[..57] : serviceName) + "-";

    // The trigger time is left out: it only changes with the endpoints a write carries.
    private static bool MetadataCurrent(JsonObject slice, JsonObject labels, JsonObject annotations, JsonObject owner) =>
        JsonAccess.SameAs(slice["metadata"]?["labels"] as JsonObject ?? [], labels)
        && JsonAccess.SameAs(Annotations(slice["metadata"]?["annotations"] as JsonObject ?? [], null), annotations)
        && slice["metadata"]?["ownerReferences"] is JsonArray { Count: 1 } refs
        && JsonAccess.SameAs(refs[0], owner);

    private static JsonObject Annotations(JsonObject annotations, DateTimeOffset? lastChange)
    {
        var result = annotations.DeepCopy();
        if (lastChange is { } at)
        {
            result[PodEndpoints.TriggerTimeAnnotation] = Timestamps.Format(at);
        }
        else
        {
            result.Remove(PodEndpoints.TriggerTimeAnnotation);
        }

        return result;
    }
}
