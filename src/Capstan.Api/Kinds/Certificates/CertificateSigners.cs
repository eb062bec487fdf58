namespace Capstan.Api.Kinds.Certificates;

/// <summary>The well-known signer names of certificates.k8s.io.</summary>
public static class CertificateSigners
{
    /// <summary>Client certificates the API server accepts for any subject (Capstan's cluster CA signs them).</summary>
    public const string KubeApiServerClient = "kubernetes.io/kube-apiserver-client";

    /// <summary>Client certificates for node identities: O=system:nodes, CN=system:node:&lt;name&gt;.</summary>
    public const string KubeApiServerClientKubelet = "kubernetes.io/kube-apiserver-client-kubelet";

    public const string KubeletServing = "kubernetes.io/kubelet-serving";

    /// <summary>Allowed only in the beta API; certificates.k8s.io/v1 refuses new requests for it.</summary>
    public const string LegacyUnknown = "kubernetes.io/legacy-unknown";
}
