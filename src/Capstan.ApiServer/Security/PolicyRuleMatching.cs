using k8s.Models;

namespace Capstan.ApiServer.Security;

/// <summary>Whether one RBAC rule covers one request; the matching rules of Kubernetes' RBAC.</summary>
internal static class PolicyRuleMatching
{
    public const string All = "*";

    public static bool Allows(V1PolicyRule rule, RequestAttributes request) =>
        request.IsResourceRequest
            ? VerbMatches(rule, request.Verb)
              && ApiGroupMatches(rule, request.ApiGroup)
              && ResourceMatches(rule, request.CombinedResource, request.Subresource)
              && ResourceNameMatches(rule, request.Name)
            : VerbMatches(rule, request.Verb) && NonResourceUrlMatches(rule, request.Path);

    public static bool VerbMatches(V1PolicyRule rule, string verb) => ContainsOrAll(rule.Verbs, verb);

    public static bool ApiGroupMatches(V1PolicyRule rule, string group) => ContainsOrAll(rule.ApiGroups, group);

    /// <summary>
    /// <c>*</c> matches every resource and subresource; <c>pods/log</c> matches exactly; <c>*/scale</c> matches the
    /// <c>scale</c> subresource of any resource. A bare <c>pods</c> does NOT match <c>pods/log</c>.
    /// </summary>
    public static bool ResourceMatches(V1PolicyRule rule, string combinedResource, string subresource)
    {
        if (rule.Resources is null)
        {
            return false;
        }

        foreach (var resource in rule.Resources)
        {
            if (resource == All || resource == combinedResource)
            {
                return true;
            }

            if (subresource.Length > 0
                && resource.Length == subresource.Length + 2
                && resource.StartsWith("*/", StringComparison.Ordinal)
                && resource.EndsWith(subresource, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>An empty resourceNames list allows any name; otherwise the request must name one of them (so list and create never match).</summary>
    public static bool ResourceNameMatches(V1PolicyRule rule, string name)
    {
        if (rule.ResourceNames is null || rule.ResourceNames.Count == 0)
        {
            return true;
        }

        foreach (var allowed in rule.ResourceNames)
        {
            if (allowed == name)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary><c>*</c> matches every path, <c>/apis/*</c> every path starting with <c>/apis/</c>, anything else exactly.</summary>
    public static bool NonResourceUrlMatches(V1PolicyRule rule, string path)
    {
        if (rule.NonResourceURLs is null)
        {
            return false;
        }

        foreach (var url in rule.NonResourceURLs)
        {
            if (url == All || url == path)
            {
                return true;
            }

            if (url.Length > 0 && url[^1] == '*' && path.StartsWith(url.AsSpan(0, url.Length - 1), StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static bool ContainsOrAll(IList<string>? values, string value)
    {
        if (values is null)
        {
            return false;
        }

        foreach (var candidate in values)
        {
            if (candidate == All || candidate == value)
            {
                return true;
            }
        }

        return false;
    }
}
