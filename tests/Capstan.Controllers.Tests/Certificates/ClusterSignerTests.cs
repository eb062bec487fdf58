using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Capstan.Controllers.Certificates;

namespace Capstan.Controllers.Tests.Certificates;

public sealed class ClusterSignerTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "capstan-signer-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly X509Certificate2 _ca;

    public ClusterSignerTests()
    {
        Directory.CreateDirectory(_dir);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=test-ca", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        _ca = request.CreateSelfSigned(Now.AddDays(-1), Now.AddDays(30));
        File.WriteAllText(Path.Combine(_dir, "ca.crt"), _ca.ExportCertificatePem());
        File.WriteAllText(Path.Combine(_dir, "ca.key"), key.ExportPkcs8PrivateKeyPem());
    }

    public void Dispose()
    {
        _ca.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private ClusterSigner Load() => ClusterSigner.Load(Path.Combine(_dir, "ca.crt"), Path.Combine(_dir, "ca.key"));

    [Fact]
    public void Sign_ClientRequest_ChainsToCaWithSubjectUsagesAndDuration()
    {
        using var signer = Load();
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=jane, O=dev", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

        using var certificate = signer.Sign(request, ["digital signature", "key encipherment", "client auth"], TimeSpan.FromHours(1), Now);

        Assert.Equal(request.SubjectName.Name, certificate.SubjectName.Name);
        Assert.Equal(Now.AddMinutes(-5).UtcDateTime, certificate.NotBefore.ToUniversalTime());
        Assert.Equal(Now.AddHours(1).UtcDateTime, certificate.NotAfter.ToUniversalTime());
        var eku = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single();
        Assert.Equal(["1.3.6.1.5.5.7.3.2"], eku.EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value));
        var usage = certificate.Extensions.OfType<X509KeyUsageExtension>().Single();
        Assert.Equal(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, usage.KeyUsages);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = Now.UtcDateTime;
        Assert.True(chain.Build(certificate));
    }

    [Fact]
    public void Sign_LongerThanTheCa_EndsWithTheCa()
    {
        using var signer = Load();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        using var certificate = signer.Sign(new CertificateRequest("CN=x", key, HashAlgorithmName.SHA256), ["client auth"], TimeSpan.FromDays(365), Now);

        Assert.Equal(_ca.NotAfter, certificate.NotAfter);
    }

    [Theory]
    [InlineData("kubernetes.io/kube-apiserver-client", "CN=jane, O=dev", "client auth", null)]
    [InlineData("kubernetes.io/kube-apiserver-client", "CN=jane", "digital signature", "missing required usage for client certificate: client auth")]
    [InlineData("kubernetes.io/kube-apiserver-client", "CN=jane", "client auth,server auth", "invalid usage for client certificate: server auth")]
    [InlineData("kubernetes.io/kube-apiserver-client-kubelet", "CN=system:node:n1, O=system:nodes", "client auth,digital signature", null)]
    [InlineData("kubernetes.io/kube-apiserver-client-kubelet", "CN=jane, O=system:nodes", "client auth", "subject common name does not begin with system:node:")]
    [InlineData("kubernetes.io/kube-apiserver-client-kubelet", "CN=system:node:n1, O=dev", "client auth", "subject organization is not system:nodes")]
    public void SignerRules_Check(string signer, string subject, string usages, string? expected) =>
        Assert.Equal(expected, SignerRules.Check(signer, new X500DistinguishedName(subject), usages.Split(',')));
}
