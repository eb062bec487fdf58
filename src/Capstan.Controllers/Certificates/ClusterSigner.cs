using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Capstan.Controllers.Certificates;

/// <summary>
/// Signs certificates with the cluster CA, read from its PEM files as kube-controller-manager's
/// <c>--cluster-signing-cert-file</c>/<c>--cluster-signing-key-file</c> do (the controllers reach the API only through
/// the client; the CA key is the one thing they read from disk).
/// </summary>
public sealed class ClusterSigner : IDisposable
{
    /// <summary>Kubernetes' <c>--cluster-signing-duration</c> default: certificates last a year unless the request asks for less.</summary>
    public static readonly TimeSpan DefaultDuration = TimeSpan.FromDays(365);

    // Kubernetes backdates issued certificates by 5 minutes so that clients whose clock lags accept them.
    private static readonly TimeSpan s_backdate = TimeSpan.FromMinutes(5);

    private readonly X509Certificate2 _ca;
    private readonly X509SignatureGenerator _generator;
    private readonly IDisposable _key;

    private ClusterSigner(X509Certificate2 ca, X509SignatureGenerator generator, IDisposable key)
    {
        _ca = ca;
        _generator = generator;
        _key = key;
    }

    public X509Certificate2 Certificate => _ca;

    public static ClusterSigner Load(string certificateFile, string keyFile)
    {
        using var withKey = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
        var ca = X509CertificateLoader.LoadCertificate(withKey.RawData);
        if (withKey.GetECDsaPrivateKey() is { } ecdsa)
        {
            return new ClusterSigner(ca, X509SignatureGenerator.CreateForECDsa(ecdsa), ecdsa);
        }

        var rsa = withKey.GetRSAPrivateKey() ?? throw new CryptographicException($"{keyFile} holds neither an ECDSA nor an RSA key");
        return new ClusterSigner(ca, X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1), rsa);
    }

    /// <summary>
    /// A certificate for the request's subject and public key with the given usages, valid from 5 minutes ago for
    /// <paramref name="duration"/> but never past the CA's own expiry. Subject alternative names in the request are not copied.
    /// </summary>
    public X509Certificate2 Sign(CertificateRequest request, IReadOnlyCollection<string> usages, TimeSpan duration, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        var issued = new CertificateRequest(request.SubjectName, request.PublicKey, HashAlgorithmName.SHA256);
        issued.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        var keyUsage = X509KeyUsageFlags.None;
        var extended = new OidCollection();
        foreach (var usage in usages)
        {
            switch (usage)
            {
                case "digital signature":
                    keyUsage |= X509KeyUsageFlags.DigitalSignature;
                    break;
                case "key encipherment":
                    keyUsage |= X509KeyUsageFlags.KeyEncipherment;
                    break;
                case "client auth":
                    extended.Add(new Oid("1.3.6.1.5.5.7.3.2"));
                    break;
                case "server auth":
                    extended.Add(new Oid("1.3.6.1.5.5.7.3.1"));
                    break;
            }
        }

        if (keyUsage != X509KeyUsageFlags.None)
        {
            issued.CertificateExtensions.Add(new X509KeyUsageExtension(keyUsage, true));
        }

        if (extended.Count > 0)
        {
            issued.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(extended, false));
        }

        if (_ca.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Any())
        {
            // Only a CA with a key identifier can be named by one (an operator's own CA may lack it).
            issued.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_ca, true, false));
        }
        var notAfter = now + duration;
        var caNotAfter = new DateTimeOffset(_ca.NotAfter.ToUniversalTime());
        if (notAfter > caNotAfter)
        {
            notAfter = caNotAfter;
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x01);
        return issued.Create(_ca.SubjectName, _generator, now - s_backdate, notAfter, serial);
    }

    public void Dispose()
    {
        _key.Dispose();
        _ca.Dispose();
    }
}
