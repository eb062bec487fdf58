namespace Capstan.Controllers.Volumes;

/// <summary>The annotations and finalizers Kubernetes' volume controllers put on claims and volumes.</summary>
internal static class VolumeAnnotations
{
    /// <summary>On a claim: the binder finished binding it (value "yes").</summary>
    public const string BindCompleted = "pv.kubernetes.io/bind-completed";

    /// <summary>On a claim or volume: the binder (not the user) set volumeName or claimRef (value "yes").</summary>
    public const string BoundByController = "pv.kubernetes.io/bound-by-controller";

    /// <summary>On a claim: the node the scheduler picked for a WaitForFirstConsumer claim.</summary>
    public const string SelectedNode = "volume.kubernetes.io/selected-node";

    /// <summary>On a claim: the provisioner expected to create its volume.</summary>
    public const string StorageProvisioner = "volume.kubernetes.io/storage-provisioner";

    public const string BetaStorageProvisioner = "volume.beta.kubernetes.io/storage-provisioner";

    /// <summary>On a volume: the provisioner that created it.</summary>
    public const string ProvisionedBy = "pv.kubernetes.io/provisioned-by";

    public const string DefaultClass = "storageclass.kubernetes.io/is-default-class";

    public const string BetaDefaultClass = "storageclass.beta.kubernetes.io/is-default-class";

    public const string ClaimProtection = "kubernetes.io/pvc-protection";

    public const string VolumeProtection = "kubernetes.io/pv-protection";

    public const string Yes = "yes";
}
