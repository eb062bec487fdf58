using System.Text.Json.Nodes;
using Capstan.Api.Registry;

namespace Capstan.ApiServer.Admission;

/// <summary>
/// Kubernetes' DefaultTolerationSeconds plugin: a new pod that does not already tolerate the
/// <c>node.kubernetes.io/not-ready</c> or <c>node.kubernetes.io/unreachable</c> NoExecute taints gets a toleration for
/// each, bounded by the configured seconds, which is how long it stays on a failed node before it is evicted and replaced.
/// Kubernetes defaults both to 300 s; Capstan's server defaults are far lower (see ServerConfig).
/// </summary>
public sealed class DefaultTolerationSeconds(long notReadySeconds, long unreachableSeconds) : IMutatingAdmission
{
    public const string NotReadyTaint = "node.kubernetes.io/not-ready";
    public const string UnreachableTaint = "node.kubernetes.io/unreachable";

    public string Name => "DefaultTolerationSeconds";

    public void AdmitCreate(ResourceInfo resource, JsonObject obj)
    {
        if (resource.Group.Length != 0 || resource.Kind != "Pod" || obj["spec"] is not JsonObject spec)
        {
            return;
        }

        var tolerations = spec["tolerations"] as JsonArray;
        var tolerated = (NotReady: false, Unreachable: false);
        foreach (var toleration in tolerations?.OfType<JsonObject>() ?? [])
        {
            tolerated.NotReady |= Tolerates(toleration, NotReadyTaint);
            tolerated.Unreachable |= Tolerates(toleration, UnreachableTaint);
        }

        if (tolerated is { NotReady: true, Unreachable: true })
        {
            return;
        }

        if (tolerations is null)
        {
            tolerations = [];
            spec["tolerations"] = tolerations;
        }

        if (!tolerated.NotReady)
        {
            tolerations.Add(Toleration(NotReadyTaint, notReadySeconds));
        }

        if (!tolerated.Unreachable)
        {
            tolerations.Add(Toleration(UnreachableTaint, unreachableSeconds));
        }
    }

    // As upstream: a toleration with an empty key and Exists tolerates everything; an empty effect matches NoExecute.
    private static bool Tolerates(JsonObject toleration, string taintKey)
    {
        var key = Str(toleration["key"]);
        var op = Str(toleration["operator"]);
        var effect = Str(toleration["effect"]);
        if (effect.Length > 0 && effect != "NoExecute")
        {
            return false;
        }

        return key == taintKey || (key.Length == 0 && op == "Exists");
    }

    private static JsonObject Toleration(string key, long seconds) => new()
    {
        ["key"] = key,
        ["operator"] = "Exists",
        ["effect"] = "NoExecute",
        ["tolerationSeconds"] = seconds,
    };

    private static string Str(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : "";
}
