namespace Capstan.ApiServer.Audit;

/// <summary>audit.k8s.io/v1 levels: how much of a request the audit log records.</summary>
public enum AuditLevel
{
    /// <summary>Not logged.</summary>
    None,

    /// <summary>Who, what, which object, outcome.</summary>
    Metadata,

    /// <summary>Kubernetes adds the request body; Capstan logs metadata only and records the level asked for.</summary>
    Request,

    /// <summary>Kubernetes adds request and response bodies; Capstan logs metadata only and records the level asked for.</summary>
    RequestResponse,
}
