using System.Text.Json.Nodes;
using Capstan.Api.Registry;
using Capstan.Api.Selectors;
using Capstan.ApiServer.Http;
using Capstan.ApiServer.Objects;
using Microsoft.AspNetCore.Http;

namespace Capstan.ApiServer.Handlers;

/// <summary>The pods/binding and pods/eviction subresources.</summary>
public static class PodActions
{
    public static async Task HandleAsync(HttpContext http, ResourceStore store, ResourceInfo r, string ns, string name, string sub, WriteOptions options)
    {
        var ct = http.RequestAborted;
        var body = await BodyReader.ReadObjectAsync(http.Request, ct).ConfigureAwait(false);
        if (sub == "binding")
        {
            var node = ObjectMeta.Str(body["target"]?["name"]);
            if (node.Length == 0)
            {
                throw ApiException.Invalid("Binding", name, [Capstan.Api.Validation.FieldError.Required("target.name")]);
            }

            var now = store.Time.GetUtcNow();
            await store.UpdateAsync(r, ns, name, "binding", pod =>
            {
                var spec = pod["spec"] as JsonObject ?? new JsonObject();
                var assigned = ObjectMeta.Str(spec["nodeName"]);
                if (assigned.Length > 0)
                {
                    throw ApiException.Conflict(r.GroupResource, name, $"pod {name} is already assigned to node \"{assigned}\"");
                }

                if (ObjectMeta.IsDeleting(pod))
                {
                    throw ApiException.Conflict(r.GroupResource, name, $"pod {name} is being deleted, cannot be assigned to a host");
                }

                spec["nodeName"] = node;
                pod["spec"] = spec;

                // PodScheduled=True lands in the same write, so no reader sees a bound pod without it.
                var status = pod["status"] as JsonObject ?? new JsonObject();
                pod["status"] = status;
                var conditions = status["conditions"] as JsonArray ?? new JsonArray();
                status["conditions"] = conditions;
                var existing = conditions.OfType<JsonObject>().FirstOrDefault(c => ObjectMeta.Str(c["type"]) == "PodScheduled");
                if (existing is null)
                {
                    conditions.Add(new JsonObject
                    {
                        ["type"] = "PodScheduled",
                        ["status"] = "True",
                        ["lastProbeTime"] = null,
                        ["lastTransitionTime"] = ObjectMeta.Timestamp(now),
                    });
                }
                else
                {
                    existing["status"] = "True";
                    existing.Remove("reason");
                    existing.Remove("message");
                    existing["lastTransitionTime"] = ObjectMeta.Timestamp(now);
                }

                return pod;
            }, options, ct).ConfigureAwait(false);
            await ResponseWriter.WriteAsync(http, 201, StatusObjects.Success()).ConfigureAwait(false);
            return;
        }

        await EvictAsync(http, store, r, ns, name, body, options, ct).ConfigureAwait(false);
    }

    private const string EvictionRefused = "Cannot evict pod as it would violate the pod's disruption budget.";

    // Evictions recorded but not yet seen by the disruption controller; beyond this many the API refuses more (as Kubernetes does).
    private const int MaxDisruptedPods = 2000;
    private const int MaxEvictionAttempts = 5;

    /// <summary>
    /// pods/eviction as Kubernetes serves it: a pod that a PodDisruptionBudget guards is deleted only when the budget allows
    /// a disruption, which is then spent (status.disruptionsAllowed decremented, the pod recorded in status.disruptedPods)
    /// by an optimistic-concurrency write before the delete; otherwise 429 TooManyRequests, which kubectl drain retries.
    /// Finished, Pending and already-terminating pods need no budget; a not-ready pod may go without spending one while
    /// the budget is intact (unhealthyPodEvictionPolicy IfHealthyBudget, the default) or always (AlwaysAllow).
    /// </summary>
    private static async Task EvictAsync(HttpContext http, ResourceStore store, ResourceInfo r, string ns, string name, JsonObject body, WriteOptions options, CancellationToken ct)
    {
        var requested = body["deleteOptions"] as JsonObject;
        for (var attempt = 1; ; attempt++)
        {
            var pod = await store.GetAsync(r, ns, name, ct).ConfigureAwait(false);
            var deleteOptions = new DeleteOptions
            {
                GracePeriodSeconds = ObjectMeta.Long(requested?["gracePeriodSeconds"]),
                PreconditionUid = NonEmpty(ObjectMeta.Str(requested?["preconditions"]?["uid"])),
                PreconditionResourceVersion = NonEmpty(ObjectMeta.Str(requested?["preconditions"]?["resourceVersion"])),
                DryRun = options.DryRun || (requested?["dryRun"] as JsonArray)?.Count > 0,
            };
            try
            {
                if (!CanIgnoreBudget(pod) && !await SpendBudgetAsync(store, ns, pod, options, ct).ConfigureAwait(false))
                {
                    // Allowed without spending the budget because the pod is not ready: only if it is still not ready when deleted.
                    deleteOptions = new DeleteOptions
                    {
                        GracePeriodSeconds = deleteOptions.GracePeriodSeconds,
                        PreconditionUid = deleteOptions.PreconditionUid ?? ObjectMeta.Uid(pod),
                        PreconditionResourceVersion = deleteOptions.PreconditionResourceVersion ?? ObjectMeta.ResourceVersion(pod),
                        DryRun = deleteOptions.DryRun,
                    };
                }

                await store.DeleteAsync(r, ns, name, deleteOptions, ct).ConfigureAwait(false);
            }
            catch (ApiException ex) when (ex.Code == 409 && attempt < MaxEvictionAttempts && requested?["preconditions"] is null)
            {
                // The budget or the pod changed under us: decide again from fresh copies.
                continue;
            }

            await ResponseWriter.WriteAsync(http, 201, StatusObjects.Success()).ConfigureAwait(false);
            return;
        }
    }

    private static bool CanIgnoreBudget(JsonObject pod) =>
        ObjectMeta.Str(pod["status"]?["phase"]) is "Succeeded" or "Failed" or "Pending" || ObjectMeta.IsDeleting(pod);

    /// <summary>
    /// Checks the pod's budget and spends one disruption. True when one was spent (or none guards the pod), false when the
    /// not-ready pod may go without spending; throws the 429, 403 or 500 the eviction answers otherwise.
    /// </summary>
    private static async Task<bool> SpendBudgetAsync(ResourceStore store, string ns, JsonObject pod, WriteOptions options, CancellationToken ct)
    {
        var budgets = store.Cache.Registry.FindKind("policy", "PodDisruptionBudget");
        if (budgets is null)
        {
            return true;
        }

        await store.Cache.SyncAsync(ct).ConfigureAwait(false);
        var labels = LabelSelector.ToDictionary(pod["metadata"]?["labels"] as JsonObject);
        var matching = store.Cache.For(budgets).List(budgets.NamespacePrefix(ns))
            .Select(c => ObjectCodec.Parse(c))
            .Where(b => LabelSelector.TryFromObject(b["spec"]?["selector"], out var selector, out _) && selector.Matches(labels))
            .ToList();
        if (matching.Count == 0)
        {
            return true;
        }

        if (matching.Count > 1)
        {
            const string message = "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.";
            throw new ApiException(500, "InternalError", "Internal error occurred: " + message, new JsonObject { ["causes"] = new JsonArray(new JsonObject { ["message"] = message }) });
        }

        var pdb = matching[0];
        var pdbName = ObjectMeta.Name(pdb);
        var status = pdb["status"] as JsonObject ?? new JsonObject();
        var currentHealthy = ObjectMeta.Long(status["currentHealthy"]) ?? 0;
        var desiredHealthy = ObjectMeta.Long(status["desiredHealthy"]) ?? 0;
        if (!IsReady(pod))
        {
            var policy = ObjectMeta.Str(pdb["spec"]?["unhealthyPodEvictionPolicy"]);
            if (policy == "AlwaysAllow" || (currentHealthy >= desiredHealthy && desiredHealthy > 0))
            {
                return false;
            }
        }

        if ((ObjectMeta.Long(status["observedGeneration"]) ?? 0) < (ObjectMeta.Long(pdb["metadata"]?["generation"]) ?? 0))
        {
            throw TooManyRequests($"The disruption budget {pdbName} is still being processed by the server.", retryAfterSeconds: 10);
        }

        var allowed = ObjectMeta.Long(status["disruptionsAllowed"]) ?? 0;
        if (allowed < 0)
        {
            throw ApiException.Forbidden($"poddisruptionbudgets.policy \"{pdbName}\" is forbidden: pdb disruptions allowed is negative", "poddisruptionbudgets.policy", pdbName);
        }

        if ((status["disruptedPods"] as JsonObject)?.Count > MaxDisruptedPods)
        {
            throw ApiException.Forbidden($"poddisruptionbudgets.policy \"{pdbName}\" is forbidden: DisruptedPods map too big - too many evictions not confirmed by PDB controller", "poddisruptionbudgets.policy", pdbName);
        }

        if (allowed == 0)
        {
            throw TooManyRequests($"The disruption budget {pdbName} needs {desiredHealthy} healthy pods and has {currentHealthy} currently", retryAfterSeconds: 0);
        }

        if (options.DryRun)
        {
            return true;
        }

        // Spend it with the resourceVersion we decided on: a concurrent eviction or controller write makes this a 409, and the caller decides again.
        var resourceVersion = ObjectMeta.ResourceVersion(pdb);
        var podName = ObjectMeta.Name(pod);
        var now = ObjectMeta.Timestamp(store.Time.GetUtcNow());
        await store.UpdateAsync(budgets, ns, pdbName, "status", current =>
        {
            ObjectMeta.Metadata(current)["resourceVersion"] = resourceVersion;
            var currentStatus = current["status"] as JsonObject ?? new JsonObject();
            current["status"] = currentStatus;
            currentStatus["disruptionsAllowed"] = allowed - 1;
            var disrupted = currentStatus["disruptedPods"] as JsonObject ?? new JsonObject();
            currentStatus["disruptedPods"] = disrupted;
            disrupted[podName] = now;
            return current;
        }, new WriteOptions { FieldManager = options.FieldManager, UserName = options.UserName }, ct).ConfigureAwait(false);
        return true;
    }

    private static ApiException TooManyRequests(string cause, int retryAfterSeconds)
    {
        var details = new JsonObject { ["causes"] = new JsonArray(new JsonObject { ["reason"] = "DisruptionBudget", ["message"] = cause }) };
        if (retryAfterSeconds > 0)
        {
            details["retryAfterSeconds"] = retryAfterSeconds;
        }

        return new ApiException(429, "TooManyRequests", EvictionRefused, details);
    }

    private static bool IsReady(JsonObject pod) =>
        (pod["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().Any(c => ObjectMeta.Str(c["type"]) == "Ready" && ObjectMeta.Str(c["status"]) == "True") == true;

    private static string? NonEmpty(string value) => value.Length == 0 ? null : value;
}
