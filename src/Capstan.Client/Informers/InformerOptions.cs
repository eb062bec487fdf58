namespace Capstan.Client.Informers;

public sealed record InformerOptions
{
    /// <summary>Only objects in this namespace; null for all namespaces.</summary>
    public string? Namespace { get; init; }

    public string? LabelSelector { get; init; }

    public string? FieldSelector { get; init; }

    /// <summary>
    /// Ask for PartialObjectMetadata and keep only apiVersion, kind and the metadata that ownership, finalizer and selector
    /// logic reads (name, namespace, uid, resourceVersion, generation, labels, ownerReferences, finalizers,
    /// deletionTimestamp, deletionGracePeriodSeconds; not annotations, managedFields or timestamps): handlers and the
    /// cache see that projection, a fraction of the full objects' memory.
    /// </summary>
    public bool MetadataOnly { get; init; }

    /// <summary>First wait after a failed list or watch; doubles (with jitter) up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(800);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);
}
