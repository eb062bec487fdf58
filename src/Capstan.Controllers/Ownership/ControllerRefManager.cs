using System.Text.Json.Nodes;
using Capstan.Api.Selectors;
using Capstan.Client.Dynamic;
using k8s.Autorest;

namespace Capstan.Controllers.Ownership;

/// <summary>
/// Kubernetes' ControllerRefManager: of the candidates in the owner's namespace, keeps those it controls and that match
/// its selector, adopts matching orphans and releases the ones it controls that no longer match. Adoption and release are
/// merge patches of metadata.ownerReferences carrying the candidate's resourceVersion, so a concurrent change makes them fail
/// (409) instead of overwriting it.
/// </summary>
internal sealed class ControllerRefManager(JsonObject owner, LabelSelector selector, Func<string, string, JsonObject, CancellationToken, Task> patch)
{
    /// <summary>The candidates the owner controls after adopting and releasing.</summary>
    public async Task<List<JsonObject>> ClaimAsync(IEnumerable<JsonObject> candidates, CancellationToken ct)
    {
        var claimed = new List<JsonObject>();
        var uid = owner.GetUid();
        var ownerDeleting = owner.IsBeingDeleted();
        foreach (var candidate in candidates)
        {
            var controller = ControllerRefs.ControllerOf(candidate);
            var matches = selector.MatchesLabelsOf(candidate);
            if (controller is not null)
            {
                if (controller.Uid != uid)
                {
                    continue;
                }

                if (matches)
                {
                    claimed.Add(candidate);
                }
                else if (!ownerDeleting)
                {
                    await PatchRefsAsync(candidate, refs => refs.Where(r => r?["uid"]?.GetValue<string>() != uid), ct).ConfigureAwait(false);
                }

                continue;
            }

            if (!matches || ownerDeleting || candidate.IsBeingDeleted() || selector.IsEmpty)
            {
                continue;
            }

            var adopted = await PatchRefsAsync(candidate, refs => refs.Append(ControllerRefs.For(owner)), ct).ConfigureAwait(false);
            if (adopted is not null)
            {
                claimed.Add(adopted);
            }
        }

        return claimed;
    }

    /// <summary>The candidate as it is after the patch (built locally), or null when it is gone.</summary>
    private async Task<JsonObject?> PatchRefsAsync(JsonObject candidate, Func<IEnumerable<JsonNode?>, IEnumerable<JsonNode?>> change, CancellationToken ct)
    {
        var existing = candidate["metadata"]?["ownerReferences"] as JsonArray ?? [];
        var refs = new JsonArray([.. change(existing.Select(r => r?.DeepClone())).Select(r => r?.DeepClone())]);
        var body = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["ownerReferences"] = refs.DeepClone(),
                ["resourceVersion"] = candidate.GetResourceVersion(),
            },
        };
        try
        {
            await patch(candidate.GetNamespace(), candidate.GetName(), body, ct).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }

        var copy = candidate.DeepCopy();
        ((JsonObject)copy["metadata"]!)["ownerReferences"] = refs;
        return copy;
    }
}
