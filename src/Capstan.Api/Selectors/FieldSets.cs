using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json.Nodes;
using Capstan.Api.Tables;

namespace Capstan.Api.Selectors;

/// <summary>
/// The field sets of the built-in kinds, following Kubernetes' per-kind selectable fields and field-label conversions.
/// Kinds without their own set take metadata.name and metadata.namespace only. Cluster-scoped Node and Namespace
/// have their own conversion in Kubernetes, which does not accept metadata.namespace.
/// </summary>
public static class FieldSets
{
    private static readonly FrozenDictionary<string, FieldSet> ByKind = Build().ToFrozenDictionary(s => Key(s.Group, s.Kind));

    /// <summary>The field set for a kind; unknown kinds get the metadata-only set.</summary>
    public static FieldSet For(string group, string kind) =>
        ByKind.TryGetValue(Key(group, kind), out var set) ? set : Default(group, kind);

    /// <summary>metadata.name and metadata.namespace only (Kubernetes' default field-label conversion).</summary>
    public static FieldSet Default(string group, string kind) =>
        new(group, kind, Meta(namespaced: true), customConversion: false);

    private static string Key(string group, string kind) => group + "/" + kind;

    private static IEnumerable<FieldSet> Build()
    {
        yield return new FieldSet("", "Pod",
            [
                .. Meta(namespaced: true),
                ("spec.nodeName", o => JsonRead.Str(o, "spec", "nodeName")),
                ("spec.restartPolicy", o => JsonRead.Str(o, "spec", "restartPolicy")),
                ("spec.schedulerName", o => JsonRead.Str(o, "spec", "schedulerName")),
                ("spec.serviceAccountName", o => JsonRead.Str(o, "spec", "serviceAccountName")),
                ("spec.hostNetwork", o => Bool(JsonRead.Bool(o, "spec", "hostNetwork"))),
                ("status.phase", o => JsonRead.Str(o, "status", "phase")),
                ("status.podIP", PodIP),
                ("status.nominatedNodeName", o => JsonRead.Str(o, "status", "nominatedNodeName")),
            ],
            customConversion: true,
            new Dictionary<string, string> { ["spec.host"] = "spec.nodeName" });

        yield return new FieldSet("", "Node",
            [.. Meta(namespaced: false), ("spec.unschedulable", o => Bool(JsonRead.Bool(o, "spec", "unschedulable")))],
            customConversion: true);

        yield return new FieldSet("", "Namespace",
            [.. Meta(namespaced: false), ("status.phase", o => JsonRead.Str(o, "status", "phase"))],
            customConversion: true);

        yield return new FieldSet("", "Secret",
            [.. Meta(namespaced: true), ("type", o => JsonRead.Str(o, "type"))],
            customConversion: true);

        yield return new FieldSet("", "Service",
            [
                .. Meta(namespaced: true),
                ("spec.clusterIP", o => JsonRead.Str(o, "spec", "clusterIP")),
                ("spec.type", o => JsonRead.Str(o, "spec", "type")),
            ],
            customConversion: true);

        yield return new FieldSet("", "ReplicationController",
            [.. Meta(namespaced: true), ("status.replicas", o => Int(o, "status", "replicas"))],
            customConversion: true);

        yield return new FieldSet("", "Event",
            [
                .. Meta(namespaced: true),
                .. ObjectReference("involvedObject", "involvedObject"),
                ("reason", o => JsonRead.Str(o, "reason")),
                ("reportingComponent", o => JsonRead.Str(o, "reportingComponent")),
                ("source", o => JsonRead.Str(o, "source", "component")),
                ("type", o => JsonRead.Str(o, "type")),
            ],
            customConversion: true);

        // events.k8s.io names the same attributes after its own fields (regarding, reportingController).
        yield return new FieldSet("events.k8s.io", "Event",
            [
                .. Meta(namespaced: true),
                .. ObjectReference("regarding", "regarding"),
                ("reason", o => JsonRead.Str(o, "reason")),
                ("reportingController", o => JsonRead.Str(o, "reportingController")),
                ("type", o => JsonRead.Str(o, "type")),
            ],
            customConversion: true);

        yield return new FieldSet("apps", "ReplicaSet",
            [.. Meta(namespaced: true), ("status.replicas", o => Int(o, "status", "replicas"))],
            customConversion: true);

        yield return new FieldSet("batch", "Job",
            [.. Meta(namespaced: true), ("status.successful", o => Int(o, "status", "succeeded"))],
            customConversion: true);

        yield return new FieldSet("certificates.k8s.io", "CertificateSigningRequest",
            [.. Meta(namespaced: false), ("spec.signerName", o => JsonRead.Str(o, "spec", "signerName"))],
            customConversion: true);
    }

    private static IEnumerable<(string, Func<JsonObject, string>)> Meta(bool namespaced)
    {
        yield return ("metadata.name", FieldSet.Name);
        if (namespaced)
        {
            yield return ("metadata.namespace", FieldSet.Namespace);
        }
    }

    private static IEnumerable<(string, Func<JsonObject, string>)> ObjectReference(string prefix, string property)
    {
        foreach (var field in new[] { "kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath" })
        {
            yield return ($"{prefix}.{field}", o => JsonRead.Str(o, property, field));
        }
    }

    private static string PodIP(JsonObject pod)
    {
        var first = JsonRead.Objects(pod, "status", "podIPs").FirstOrDefault();
        return first is not null ? JsonRead.Str(first, "ip") : JsonRead.Str(pod, "status", "podIP");
    }

    private static string Bool(bool value) => value ? "true" : "false";

    private static string Int(JsonObject o, params string[] path) => JsonRead.Long(o, path).ToString(CultureInfo.InvariantCulture);
}
