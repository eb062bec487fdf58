namespace Capstan.Client.Dynamic;

/// <summary>metadata.ownerReferences[i] as read from an untyped object.</summary>
public sealed record OwnerReference(string ApiVersion, string Kind, string Name, string Uid, bool Controller, bool BlockOwnerDeletion)
{
    /// <summary>The API group of ApiVersion: "" for "v1", "apps" for "apps/v1".</summary>
    public string Group => ApiVersion.Contains('/', StringComparison.Ordinal) ? ApiVersion[..ApiVersion.IndexOf('/', StringComparison.Ordinal)] : "";
}
