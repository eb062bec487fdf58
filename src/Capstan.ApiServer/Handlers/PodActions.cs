using System.Text.Json.Nodes;
using Capstan.Api.Registry;
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
                return pod;
            }, options, ct).ConfigureAwait(false);

            // PodScheduled=True is recorded through the status path, as the binding registry does.
            await store.UpdateAsync(r, ns, name, "status", pod =>
            {
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

        // Eviction: PodDisruptionBudgets are honoured once their controller keeps status.disruptionsAllowed.
        var deleteOptions = new DeleteOptions
        {
            GracePeriodSeconds = ObjectMeta.Long(body["deleteOptions"]?["gracePeriodSeconds"]),
            DryRun = options.DryRun,
        };
        await store.DeleteAsync(r, ns, name, deleteOptions, ct).ConfigureAwait(false);
        await ResponseWriter.WriteAsync(http, 201, StatusObjects.Success()).ConfigureAwait(false);
    }
}
