using System.Text.Json.Nodes;
using Capstan.Api.Json;

namespace Capstan.ApiServer.Audit;

/// <summary>
/// An audit.k8s.io/v1 Policy (<c>--audit-policy-file</c>): the first rule matching a request sets its level; a request
/// no rule matches is not logged, as in Kubernetes. Without a policy file every request is logged at Metadata.
/// <c>omitStages</c> and <c>omitManagedFields</c> are accepted and have nothing to act on: Capstan logs one
/// ResponseComplete event per request and never bodies.
/// </summary>
public sealed class AuditPolicy
{
    public AuditPolicy(IReadOnlyList<AuditPolicyRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        Rules = rules;
    }

    public IReadOnlyList<AuditPolicyRule> Rules { get; }

    public AuditLevel LevelFor(AuditEvent e)
    {
        foreach (var rule in Rules)
        {
            if (rule.Matches(e))
            {
                return rule.Level;
            }
        }

        return AuditLevel.None;
    }

    /// <exception cref="FormatException">The file is not a valid audit.k8s.io/v1 (or v1beta1) Policy.</exception>
    public static AuditPolicy Load(string path) => Parse(File.ReadAllText(path));

    /// <exception cref="FormatException">The text is not a valid audit.k8s.io/v1 (or v1beta1) Policy.</exception>
    public static AuditPolicy Parse(string yaml)
    {
        JsonNode? root;
        try
        {
            root = YamlJson.Parse(yaml);
        }
        catch (Exception ex) when (ex is not FormatException)
        {
            throw new FormatException("audit policy: not YAML or JSON: " + ex.Message, ex);
        }

        if (root is not JsonObject policy)
        {
            throw new FormatException("audit policy: expected an object");
        }

        var apiVersion = Str(policy["apiVersion"]);
        if (apiVersion is not ("audit.k8s.io/v1" or "audit.k8s.io/v1beta1") || Str(policy["kind"]) != "Policy")
        {
            throw new FormatException($"audit policy: expected apiVersion audit.k8s.io/v1 and kind Policy, got {apiVersion} {Str(policy["kind"])}");
        }

        if (policy["rules"] is not JsonArray { Count: > 0 } rules)
        {
            throw new FormatException("audit policy: rules: at least one rule is required");
        }

        var parsed = new List<AuditPolicyRule>();
        for (var i = 0; i < rules.Count; i++)
        {
            if (rules[i] is not JsonObject rule)
            {
                throw new FormatException($"audit policy: rules[{i}]: expected an object");
            }

            var levelText = Str(rule["level"]);
            var level = levelText switch
            {
                "None" => AuditLevel.None,
                "Metadata" => AuditLevel.Metadata,
                "Request" => AuditLevel.Request,
                "RequestResponse" => AuditLevel.RequestResponse,
                _ => throw new FormatException($"audit policy: rules[{i}].level: \"{levelText}\" is not one of None, Metadata, Request, RequestResponse"),
            };

            var resources = new List<AuditGroupResources>();
            foreach (var entry in (rule["resources"] as JsonArray ?? []).OfType<JsonObject>())
            {
                resources.Add(new AuditGroupResources(Str(entry["group"]), Strings(entry["resources"]), Strings(entry["resourceNames"])));
            }

            var nonResourceUrls = Strings(rule["nonResourceURLs"]);
            if (nonResourceUrls.Count > 0 && (resources.Count > 0 || Strings(rule["namespaces"]).Count > 0))
            {
                throw new FormatException($"audit policy: rules[{i}]: nonResourceURLs cannot be combined with resources or namespaces");
            }

            parsed.Add(new AuditPolicyRule(level, Strings(rule["users"]), Strings(rule["userGroups"]), Strings(rule["verbs"]), resources, Strings(rule["namespaces"]), nonResourceUrls));
        }

        return new AuditPolicy(parsed);
    }

    private static string Str(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : "";

    private static List<string> Strings(JsonNode? node) => (node as JsonArray ?? []).Select(Str).ToList();
}
