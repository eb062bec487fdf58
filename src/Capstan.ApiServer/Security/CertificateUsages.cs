using System.Security.Cryptography.X509Certificates;

namespace Capstan.ApiServer.Security;

/// <summary>
/// .NET decodes a certificate's extended key usages on first read, unsynchronised: two TLS handshakes reading them from
/// a new certificate at once could see none. Kestrel checks the serving certificate's usages on every handshake (and
/// then refused to serve it: "cannot be used as an SSL server certificate"), and HttpClient a client certificate's
/// before each new connection. Decode them once, before the certificate is shared.
/// </summary>
public static class CertificateUsages
{
    public static X509Certificate2 Decoded(X509Certificate2 certificate)
    {
        foreach (var extension in certificate.Extensions)
        {
            if (extension is X509EnhancedKeyUsageExtension usages)
            {
                _ = usages.EnhancedKeyUsages;
            }
        }

        return certificate;
    }
}
