namespace Capstan.ApiServer.Objects;

/// <summary>The options of one write request: dryRun, fieldManager, fieldValidation, and the warnings it collects.</summary>
public sealed class WriteOptions
{
    public bool DryRun { get; init; }

    public string FieldManager { get; init; } = "";

    /// <summary>Strict, Warn or Ignore.</summary>
    public string FieldValidation { get; init; } = "Warn";

    public string UserName { get; init; } = "";

    /// <summary>The requester, for checks that depend on what they may do (RBAC escalation); null for the server's own writes.</summary>
    public Security.UserInfo? User { get; init; }

    /// <summary>True for server-side apply, whose managedFields the apply algorithm keeps itself.</summary>
    public bool IsApply { get; init; }

    public List<string> Warnings { get; } = [];
}

/// <summary>metav1.DeleteOptions as the delete path uses it.</summary>
public sealed class DeleteOptions
{
    public long? GracePeriodSeconds { get; init; }

    /// <summary>Orphan, Background, Foreground; null = the kind's default.</summary>
    public string? PropagationPolicy { get; init; }

    public string? PreconditionUid { get; init; }

    public string? PreconditionResourceVersion { get; init; }

    public bool DryRun { get; init; }
}
