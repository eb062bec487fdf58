namespace Capstan.Api.Patch;

/// <summary>A field the applier sets to a different value than another manager owns.</summary>
/// <param name="Path">The field in FieldsV1 elements.</param>
/// <param name="Manager">The manager that owns it.</param>
public sealed record ApplyConflict(IReadOnlyList<string> Path, string Manager, string Operation, string? ApiVersion)
{
    /// <summary>The field as Kubernetes prints it: <c>.spec.replicas</c>, <c>.spec.containers[name="web"].image</c>.</summary>
    public string Field => FieldSet.FormatPath(Path);

    /// <summary>The message of a Status cause of type FieldManagerConflict: <c>conflict with "kubectl" using apps/v1</c>.</summary>
    public string Message => ApiVersion is null ? $"conflict with \"{Manager}\"" : $"conflict with \"{Manager}\" using {ApiVersion}";
}
