using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Core;

/// <summary>Pods: spec defaults plus the pod-only ones, status on create, and a spec that is all but immutable after create.</summary>
public sealed class PodStrategy : KindStrategy
{
    public const string UpdateForbidden =
        "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

    public override string Group => "";

    public override string Kind => "Pod";

    public override void Default(JsonObject obj)
    {
        var spec = obj.EnsureObj("spec");

        // The ServiceAccount admission plugin's choice when none is named.
        if (string.IsNullOrEmpty(spec.Str("serviceAccountName")) && string.IsNullOrEmpty(spec.Str("serviceAccount")))
        {
            spec["serviceAccountName"] = "default";
        }

        PodSpecDefaults.Apply(spec);
        spec.SetDefault("enableServiceLinks", true);

        // Requests default to limits, per resource, for regular and init containers (SetDefaults_Pod).
        foreach (var key in new[] { "containers", "initContainers" })
        {
            foreach (var (_, container) in spec.Items(key))
            {
                if (container.Obj("resources")?.Obj("limits") is not { Count: > 0 } limits)
                {
                    continue;
                }

                var requests = container.Obj("resources")!.EnsureObj("requests");
                foreach (var (name, limit) in limits)
                {
                    requests.SetDefault(name, limit?.DeepClone());
                }
            }
        }
    }

    public override void PrepareForCreate(JsonObject obj)
    {
        var status = obj.EnsureObj("status");
        status["phase"] = "Pending";
        status["qosClass"] = PodQos.Compute(obj.Obj("spec") ?? new JsonObject());
    }

    /// <summary>
    /// spec.priority and spec.preemptionPolicy come from the Priority admission plugin at create (not from defaulting, so that
    /// it can tell a value the user gave from none); an update whose body omits them keeps the stored ones.
    /// </summary>
    public override void PrepareForUpdate(JsonObject obj, JsonObject old)
    {
        base.PrepareForUpdate(obj, old);
        if (obj.Obj("spec") is not { } spec || old.Obj("spec") is not { } oldSpec)
        {
            return;
        }

        foreach (var field in new[] { "priority", "preemptionPolicy" })
        {
            if (spec[field] is null && oldSpec[field] is { } stored)
            {
                spec[field] = stored.DeepClone();
            }
        }
    }

    protected override void ValidateObject(JsonObject obj, List<FieldError> errs) =>
        errs.AddRange(PodSpecValidation.Validate(obj.Obj("spec") ?? new JsonObject(), "spec"));

    protected override void ValidateUpdate(JsonObject obj, JsonObject old, List<FieldError> errs)
    {
        var spec = obj.Obj("spec") ?? new JsonObject();
        var oldSpec = old.Obj("spec") ?? new JsonObject();

        var newDeadline = spec.Long("activeDeadlineSeconds");
        var oldDeadline = oldSpec.Long("activeDeadlineSeconds");
        if (newDeadline is null && oldDeadline is not null)
        {
            errs.Add(FieldError.Invalid("spec.activeDeadlineSeconds", null, "must not update from a positive integer to nil value"));
        }
        else if (newDeadline is { } n && oldDeadline is { } o && n > o)
        {
            errs.Add(FieldError.Invalid("spec.activeDeadlineSeconds", n, "must be less than or equal to previous value"));
        }

        var tolerations = spec.Arr("tolerations")?.OfType<JsonObject>().Select(WithoutSeconds).ToList() ?? [];
        foreach (var (_, oldToleration) in oldSpec.Items("tolerations"))
        {
            var match = tolerations.FindIndex(t => JsonAccess.SameAs(t, WithoutSeconds(oldToleration)));
            if (match < 0)
            {
                errs.Add(FieldError.Forbidden("spec.tolerations", "existing toleration can not be modified except its tolerationSeconds"));
                break;
            }

            tolerations.RemoveAt(match);
        }

        // Copy what may change from the new spec onto the old one; anything else that differs is forbidden.
        var munged = (JsonObject)oldSpec.DeepClone();
        CopyImages(spec, munged, "containers");
        CopyImages(spec, munged, "initContainers");
        munged["activeDeadlineSeconds"] = spec["activeDeadlineSeconds"]?.DeepClone();
        munged["tolerations"] = spec["tolerations"]?.DeepClone();
        if (oldSpec.Long("terminationGracePeriodSeconds") is < 0 && spec.Long("terminationGracePeriodSeconds") == 1)
        {
            munged["terminationGracePeriodSeconds"] = 1;
        }

        // Scheduling gates may only be removed; while gated, node selectors and affinity may be added.
        if (oldSpec.HasEntries("schedulingGates"))
        {
            var remaining = spec.Arr("schedulingGates")?.Select(g => g?.ToJsonString()).ToHashSet() ?? [];
            var oldGates = oldSpec.Arr("schedulingGates")!.Select(g => g?.ToJsonString()).ToHashSet();
            if (remaining.IsSubsetOf(oldGates))
            {
                munged["schedulingGates"] = spec["schedulingGates"]?.DeepClone();
                munged["nodeSelector"] = spec["nodeSelector"]?.DeepClone();
                munged["affinity"] = spec["affinity"]?.DeepClone();
            }
        }

        munged["ephemeralContainers"] = spec["ephemeralContainers"]?.DeepClone();
        if (!JsonAccess.SameAs(munged, spec))
        {
            errs.Add(FieldError.Forbidden("spec", UpdateForbidden));
        }
    }

    /// <summary>
    /// Status writes may not move the pod to another node, must name a valid nominated node, and may not bring a container
    /// back from terminated when the restart policy says it stays down.
    /// </summary>
    public override IEnumerable<FieldError> ValidateStatus(JsonObject obj, JsonObject old)
    {
        if ((obj.Obj("spec")?.StrOrEmpty("nodeName") ?? "") != (old.Obj("spec")?.StrOrEmpty("nodeName") ?? ""))
        {
            yield return FieldError.Forbidden("status.nodeName", "may not be changed directly");
        }

        var status = obj.Obj("status") ?? new JsonObject();
        var oldStatus = old.Obj("status") ?? new JsonObject();
        var nominated = status.StrOrEmpty("nominatedNodeName");
        if (nominated.Length > 0 && nominated != oldStatus.StrOrEmpty("nominatedNodeName"))
        {
            foreach (var msg in NameFormats.IsDns1123Subdomain(nominated))
            {
                yield return FieldError.Invalid("status.nominatedNodeName", nominated, msg);
            }
        }

        var restartPolicy = old.Obj("spec")?.StrOrEmpty("restartPolicy") ?? "";
        if (restartPolicy == "Always")
        {
            yield break;
        }

        foreach (var key in new[] { "containerStatuses", "initContainerStatuses" })
        {
            var current = status.Items(key).ToList();
            foreach (var (i, before) in oldStatus.Items(key))
            {
                if (before.Obj("state")?.Obj("terminated") is not { } terminated
                    || (restartPolicy == "OnFailure" && (terminated.Long("exitCode") ?? 0) != 0))
                {
                    continue;
                }

                var name = before.StrOrEmpty("name");
                if (current.Any(c => c.Item.StrOrEmpty("name") == name && c.Item.Obj("state")?.Has("terminated") != true))
                {
                    yield return FieldError.Forbidden($"status.{key}[{i}].state", "may not be transitioned to non-terminated state");
                }
            }
        }
    }

    private static JsonObject WithoutSeconds(JsonObject toleration)
    {
        var copy = (JsonObject)toleration.DeepClone();
        copy.Remove("tolerationSeconds");
        if (copy.StrOrEmpty("operator").Length == 0)
        {
            copy["operator"] = "Equal";
        }

        return copy;
    }

    private static void CopyImages(JsonObject from, JsonObject to, string key)
    {
        var source = from.Arr(key);
        var target = to.Arr(key);
        if (source is null || target is null || source.Count != target.Count)
        {
            return;
        }

        for (var i = 0; i < source.Count; i++)
        {
            if (source[i] is JsonObject s && target[i] is JsonObject t)
            {
                t["image"] = s["image"]?.DeepClone();
            }
        }
    }
}
