using System.Text.Json.Nodes;
using k8s.Models;

namespace Capstan.ApiServer.Security;

/// <summary>
/// The <c>metav1.Status</c> bodies Kubernetes answers for 401 and 403, with its exact message wording.
/// Serialise them with <see cref="ToJson"/>: KubernetesClient's own converter cannot write a <see cref="V1Status"/>
/// (<c>KubernetesJson.Serialize</c> throws NotImplementedException).
/// </summary>
public static class SecurityStatus
{
    public static V1Status Unauthorized() => new()
    {
        ApiVersion = "v1",
        Kind = "Status",
        Metadata = new V1ListMeta(),
        Status = "Failure",
        Message = "Unauthorized",
        Reason = "Unauthorized",
        Code = 401,
    };

    /// <summary>
    /// 403 Forbidden, e.g. <c>pods "web" is forbidden: User "jane" cannot get resource "pods" in API group "" in the namespace "default"</c>;
    /// details carry the group, the resource (as kind) and the name.
    /// </summary>
    public static V1Status Forbidden(UserInfo user, RequestAttributes attributes, string reason = "")
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(attributes);
        var message = ForbiddenMessage(user, attributes, reason);
        var details = !attributes.IsResourceRequest || attributes.Resource.Length == 0
            ? new V1StatusDetails()
            : new V1StatusDetails
            {
                Group = attributes.ApiGroup,
                Kind = attributes.Resource,
                Name = attributes.Name.Length == 0 ? null : attributes.Name,
            };

        return new V1Status
        {
            ApiVersion = "v1",
            Kind = "Status",
            Metadata = new V1ListMeta(),
            Status = "Failure",
            Message = message,
            Reason = "Forbidden",
            Details = details,
            Code = 403,
        };
    }

    /// <summary>The whole 403 message: <c>&lt;resource&gt;[.&lt;group&gt;] ["name"] is forbidden: User ... [: reason]</c>, or <c>forbidden: User ... path ...</c>.</summary>
    public static string ForbiddenMessage(UserInfo user, RequestAttributes attributes, string reason = "")
    {
        var cause = ForbiddenCause(user, attributes);
        if (!string.IsNullOrEmpty(reason))
        {
            cause += ": " + reason;
        }

        if (!attributes.IsResourceRequest || attributes.Resource.Length == 0)
        {
            return "forbidden: " + cause;
        }

        var qualified = attributes.ApiGroup.Length == 0 ? attributes.Resource : attributes.Resource + "." + attributes.ApiGroup;
        return attributes.Name.Length == 0
            ? $"{qualified} is forbidden: {cause}"
            : $"{qualified} \"{attributes.Name}\" is forbidden: {cause}";
    }

    /// <summary>The status as JSON in Kubernetes' field order (kind, apiVersion, metadata, status, message, reason, details, code).</summary>
    public static JsonObject ToJson(V1Status status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var json = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = status.Status ?? "Failure",
        };
        if (status.Message is not null)
        {
            json["message"] = status.Message;
        }

        if (status.Reason is not null)
        {
            json["reason"] = status.Reason;
        }

        if (status.Details is { } details)
        {
            var detailsJson = new JsonObject();
            if (!string.IsNullOrEmpty(details.Name))
            {
                detailsJson["name"] = details.Name;
            }

            if (!string.IsNullOrEmpty(details.Group))
            {
                detailsJson["group"] = details.Group;
            }

            if (!string.IsNullOrEmpty(details.Kind))
            {
                detailsJson["kind"] = details.Kind;
            }

            json["details"] = detailsJson;
        }

        if (status.Code is { } code)
        {
            json["code"] = code;
        }

        return json;
    }

    /// <summary>The <c>User "x" cannot verb resource "r" in API group "g" ...</c> part of a forbidden message.</summary>
    public static string ForbiddenCause(UserInfo user, RequestAttributes attributes)
    {
        string text;
        if (!attributes.IsResourceRequest)
        {
            text = $"User \"{user.Name}\" cannot {attributes.Verb} path \"{attributes.Path}\"";
        }
        else if (attributes.Namespace.Length > 0)
        {
            text = $"User \"{user.Name}\" cannot {attributes.Verb} resource \"{attributes.CombinedResource}\" in API group \"{attributes.ApiGroup}\" in the namespace \"{attributes.Namespace}\"";
        }
        else
        {
            text = $"User \"{user.Name}\" cannot {attributes.Verb} resource \"{attributes.CombinedResource}\" in API group \"{attributes.ApiGroup}\" at the cluster scope";
        }

        // Kubernetes escapes these so a crafted path or name cannot inject markup into a browser rendering the error.
        return text.Replace("&", "&amp;", StringComparison.Ordinal)
            .Replace("<", "&lt;", StringComparison.Ordinal)
            .Replace(">", "&gt;", StringComparison.Ordinal);
    }
}
