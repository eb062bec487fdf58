namespace Capstan.Api.Validation;

/// <summary>Which format a kind's metadata.name must have (Kubernetes' ValidateNameFunc per kind).</summary>
public enum NameRule
{
    /// <summary>Most kinds: a lowercase RFC 1123 subdomain, at most 253 characters.</summary>
    Dns1123Subdomain,

    /// <summary>Namespaces and StatefulSets: a lowercase RFC 1123 label, at most 63 characters.</summary>
    Dns1123Label,

    /// <summary>Services: a DNS-1035 label (starts with a letter), at most 63 characters.</summary>
    Dns1035Label,

    /// <summary>RBAC kinds: anything usable as a URL path segment (not "." or "..", no '/' or '%').</summary>
    PathSegment,
}
