using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Capstan.ApiServer.Security;

/// <summary>
/// A self-signed ECDSA P-256 CA that signs serving and client certificates. Keys are P-256 throughout:
/// Go's crypto/tls (kubectl, client-go) and .NET both accept them, and they are cheap to generate.
/// </summary>
internal sealed class CertificateAuthority
{
    private static readonly Oid s_serverAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid s_clientAuth = new("1.3.6.1.5.5.7.3.2");

    // Certificates start a little in the past so that a peer whose clock lags slightly still accepts them.
    private static readonly TimeSpan s_backdate = TimeSpan.FromMinutes(5);

    private readonly X509Certificate2 _certificate;
    private readonly ECDsa _key;

    public CertificateAuthority(X509Certificate2 certificate, ECDsa key)
    {
        _certificate = certificate;
        _key = key;
    }

    /// <summary>The CA certificate without its private key.</summary>
    public X509Certificate2 Certificate => _certificate;

    public ECDsa Key => _key;

    public static CertificateAuthority Create(string commonName, DateTimeOffset now, TimeSpan validity)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName("CN=" + commonName), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using var selfSigned = request.CreateSelfSigned(now - s_backdate, now + validity);
        // Keep the public certificate apart from the key: the key is used only through _key.
        var certificate = X509CertificateLoader.LoadCertificate(selfSigned.RawData);
        return new CertificateAuthority(certificate, key);
    }

    /// <summary>A client certificate (client-auth EKU) with CN=<paramref name="commonName"/> and one O per organisation.</summary>
    public X509Certificate2 IssueClient(string commonName, IEnumerable<string> organizations, DateTimeOffset now, TimeSpan validity)
    {
        var subject = BuildSubject(commonName, organizations);
        return Issue(subject, s_clientAuth, sans: null, now, validity);
    }

    /// <summary>A serving certificate (server-auth EKU) for the given IP addresses and DNS names.</summary>
    public X509Certificate2 IssueServing(string commonName, IEnumerable<string> subjectAlternativeNames, DateTimeOffset now, TimeSpan validity)
    {
        var sans = new SubjectAlternativeNameBuilder();
        foreach (var san in subjectAlternativeNames)
        {
            if (IPAddress.TryParse(san, out var ip))
            {
                sans.AddIpAddress(ip);
            }
            else
            {
                sans.AddDnsName(san);
            }
        }

        return Issue(BuildSubject(commonName, []), s_serverAuth, sans.Build(), now, validity);
    }

    /// <summary>
    /// Signs a PKCS#10 request for a client certificate: subject (CN, O) and public key come from the request, whose own
    /// signature must verify; usage is forced to client authentication whatever the request asks.
    /// </summary>
    public X509Certificate2 SignClientRequest(string requestPem, DateTimeOffset now, TimeSpan validity)
    {
        // LoadSigningRequestPem verifies the request's self-signature (proof the requester holds the key).
        var loaded = CertificateRequest.LoadSigningRequestPem(
            requestPem, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default, RSASignaturePadding.Pkcs1);
        var request = new CertificateRequest(loaded.SubjectName, loaded.PublicKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([s_clientAuth], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_certificate, true, false));
        var notAfter = now + validity > _certificate.NotAfter ? new DateTimeOffset(_certificate.NotAfter) : now + validity;
        var generator = X509SignatureGenerator.CreateForECDsa(_key);
        return request.Create(_certificate.SubjectName, generator, now - s_backdate, notAfter, NewSerialNumber());
    }

    /// <summary>True when <paramref name="certificate"/> carries this CA's signature (checked by building a chain to it).</summary>
    public bool Signed(X509Certificate2 certificate, DateTimeOffset now)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_certificate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        return chain.Build(certificate);
    }

    private X509Certificate2 Issue(X500DistinguishedName subject, Oid usage, X509Extension? sans, DateTimeOffset now, TimeSpan validity)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([usage], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_certificate, true, false));
        if (sans is not null)
        {
            request.CertificateExtensions.Add(sans);
        }

        var notAfter = now + validity;
        if (notAfter > _certificate.NotAfter)
        {
            // A leaf outliving its CA would fail verification in its last days anyway; say so honestly.
            notAfter = _certificate.NotAfter;
        }

        var generator = X509SignatureGenerator.CreateForECDsa(_key);
        using var issued = request.Create(_certificate.SubjectName, generator, now - s_backdate, notAfter, NewSerialNumber());
        // Round-trip through PEM so the key is an ordinary exportable key (Kestrel needs that on every platform).
        return X509Certificate2.CreateFromPem(issued.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    private static X500DistinguishedName BuildSubject(string commonName, IEnumerable<string> organizations)
    {
        var builder = new X500DistinguishedNameBuilder();
        foreach (var organization in organizations)
        {
            builder.AddOrganizationName(organization);
        }

        builder.AddCommonName(commonName);
        return builder.Build();
    }

    private static byte[] NewSerialNumber()
    {
        // 16 random bytes with the top bit cleared: a positive 127-bit serial, as RFC 5280 asks.
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        if (serial[0] == 0)
        {
            serial[0] = 0x01;
        }

        return serial;
    }
}
