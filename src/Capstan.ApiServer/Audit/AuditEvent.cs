namespace Capstan.ApiServer.Audit;

/// <summary>
/// One request, as an audit.k8s.io/v1 Event at level Metadata, stage ResponseComplete: who, what, on which object, with
/// which outcome. Never request or response bodies. Resource fields are empty for non-resource requests.
/// </summary>
public sealed record AuditEvent(
    string AuditId,
    string RequestUri,
    string Verb,
    string UserName,
    string UserUid,
    IReadOnlyList<string> UserGroups,
    string? SourceIp,
    string UserAgent,
    bool IsResourceRequest,
    string ApiGroup,
    string ApiVersion,
    string Resource,
    string Subresource,
    string Namespace,
    string Name,
    int Code,
    DateTimeOffset RequestReceived,
    DateTimeOffset StageTimestamp)
{
    /// <summary>Set when the request impersonated someone (kubectl --as): whom it ran as.</summary>
    public string? ImpersonatedUserName { get; init; }

    public IReadOnlyList<string>? ImpersonatedUserGroups { get; init; }

    /// <summary>The level the audit policy chose (Metadata without a policy); bodies are never logged whatever it says.</summary>
    public AuditLevel Level { get; init; } = AuditLevel.Metadata;
}
