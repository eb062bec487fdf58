namespace Capstan.Client.Dynamic;

/// <summary>The metav1.DeleteOptions fields controllers send.</summary>
public sealed record DeleteOptions
{
    /// <summary>Background, Foreground or Orphan; null leaves the server's default.</summary>
    public string? PropagationPolicy { get; init; }

    /// <summary>When set, the delete only applies to the object with this uid (preconditions.uid).</summary>
    public string? PreconditionUid { get; init; }

    public static DeleteOptions Background { get; } = new() { PropagationPolicy = "Background" };
}
