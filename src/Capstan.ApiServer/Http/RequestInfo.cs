namespace Capstan.ApiServer.Http;

/// <summary>What a request path and method ask for, parsed the way Kubernetes parses them (the RBAC attributes come from here).</summary>
public sealed record RequestInfo
{
    public bool IsResourceRequest { get; init; }

    public string Path { get; init; } = "/";

    /// <summary>get, list, watch, create, update, patch, delete, deletecollection; for non-resource paths the lower-cased HTTP method.</summary>
    public string Verb { get; init; } = "get";

    public string Group { get; init; } = "";

    public string Version { get; init; } = "";

    public string Namespace { get; init; } = "";

    public string Resource { get; init; } = "";

    public string Name { get; init; } = "";

    public string Subresource { get; init; } = "";

    /// <summary>
    /// For a list or watch narrowed to one object by <c>fieldSelector=metadata.name=X</c>: X. Authorizers that grant
    /// single objects (the node authorizer) read it, as Kubernetes' request info does; handlers keep treating it as a list.
    /// </summary>
    public string SelectedName { get; init; } = "";

    /// <summary>The object a list or watch's field selector names exactly, or "".</summary>
    public static string NameFromFieldSelector(string? fieldSelector)
    {
        if (string.IsNullOrEmpty(fieldSelector) || fieldSelector.Contains(',', StringComparison.Ordinal))
        {
            return "";
        }

        foreach (var prefix in (string[])["metadata.name=", "metadata.name=="])
        {
            if (fieldSelector.StartsWith(prefix, StringComparison.Ordinal) && fieldSelector.Length > prefix.Length && fieldSelector[prefix.Length] != '=')
            {
                return fieldSelector[prefix.Length..];
            }
        }

        return "";
    }

    /// <summary>Parses <paramref name="path"/>; non-resource paths (/version, /apis, /api/v1 itself) come back with IsResourceRequest false.</summary>
    public static RequestInfo Parse(string method, string path, bool watchQuery)
    {
        var segments = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        var nonResource = new RequestInfo { Path = path, Verb = method.ToLowerInvariant() };
        if (segments.Length < 3 || (segments[0] != "api" && segments[0] != "apis"))
        {
            return nonResource;
        }

        int i;
        string group, version;
        if (segments[0] == "api")
        {
            group = "";
            version = segments[1];
            i = 2;
        }
        else
        {
            if (segments.Length < 4)
            {
                return nonResource;
            }

            group = segments[1];
            version = segments[2];
            i = 3;
        }

        var rest = segments[i..];
        var ns = "";
        if (rest.Length >= 2 && rest[0] == "namespaces" && !(rest.Length == 3 && rest[2] is "status" or "finalize"))
        {
            // /namespaces/{ns}/{resource}... but /namespaces/{name} and /namespaces/{name}/status|finalize address the namespace itself.
            if (rest.Length >= 3)
            {
                ns = rest[1];
                rest = rest[2..];
            }
        }

        var resource = rest[0];
        var name = rest.Length > 1 ? rest[1] : "";
        var sub = rest.Length > 2 ? string.Join('/', rest[2..]) : "";
        if (resource == "namespaces" && name.Length > 0)
        {
            ns = name;
        }

        var verb = method switch
        {
            "GET" or "HEAD" => name.Length == 0 ? (watchQuery ? "watch" : "list") : (watchQuery ? "watch" : "get"),
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => name.Length == 0 ? "deletecollection" : "delete",
            _ => method.ToLowerInvariant(),
        };

        return new RequestInfo
        {
            IsResourceRequest = true,
            Path = path,
            Verb = verb,
            Group = group,
            Version = version,
            Namespace = ns,
            Resource = resource,
            Name = name,
            Subresource = sub,
        };
    }
}
