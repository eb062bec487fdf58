namespace Capstan.Api.Kinds.Certificates;

/// <summary>The key usages a certificates.k8s.io/v1 CertificateSigningRequest may ask for (Kubernetes' KeyUsage values).</summary>
public static class CertificateUsages
{
    public const string DigitalSignature = "digital signature";
    public const string KeyEncipherment = "key encipherment";
    public const string ClientAuth = "client auth";
    public const string ServerAuth = "server auth";

    public static readonly IReadOnlyList<string> Known =
    [
        "signing", DigitalSignature, "content commitment", KeyEncipherment, "key agreement", "data encipherment",
        "cert sign", "crl sign", "encipher only", "decipher only", "any", ServerAuth, ClientAuth, "code signing",
        "email protection", "s/mime", "ipsec end system", "ipsec tunnel", "ipsec user", "timestamping", "ocsp signing",
        "microsoft sgc", "netscape sgc",
    ];
}
