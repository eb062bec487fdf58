using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Capstan.ApiServer.Security;
using YamlDotNet.RepresentationModel;

namespace Capstan.ApiServer.Tests.Security;

public sealed class ClusterPkiTests : IDisposable
{
    private readonly TemporaryDirectory _dir = new();
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public void Dispose() => _dir.Dispose();

    private PkiOptions Options(params string[] extraSans) =>
        new() { Port = 6443, HostName = "capstan-host", ExtraSans = extraSans, TimeProvider = _time };

    [Fact]
    public void LeafCertificates_ReadByHandshakesAtOnce_AlwaysShowTheirUsages()
    {
        // Each round publishes new certificates, and two threads released together read their usages, as concurrent TLS
        // handshakes do. Without the decoding before publication, 46 to 300 reads in 1,000 rounds saw none.
        using var pki = ClusterPki.LoadOrCreate(_dir.Path, Options());
        var missing = 0;
        for (var round = 0; round < 300; round++)
        {
            pki.Refresh(force: true);
            (X509Certificate2, string)[] leaves =
            [
                (pki.ServingCertificate, "1.3.6.1.5.5.7.3.1"), (pki.AdminCertificate, "1.3.6.1.5.5.7.3.2"), (pki.KubeletClientCertificate, "1.3.6.1.5.5.7.3.2"),
            ];
            var ready = 0;
            Parallel.For(0, 2, new ParallelOptions { MaxDegreeOfParallelism = 2 }, _ =>
            {
                Interlocked.Increment(ref ready);
                while (Volatile.Read(ref ready) < 2)
                {
                }

                foreach (var (certificate, oid) in leaves)
                {
                    var usages = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages;
                    if (!usages.Cast<System.Security.Cryptography.Oid>().Any(u => u.Value == oid))
                    {
                        Interlocked.Increment(ref missing);
                    }
                }
            });
        }

        Assert.Equal(0, missing);
    }

    [Fact]
    public void LoadOrCreate_EmptyDirectory_WritesAllFiles()
    {
        using var pki = ClusterPki.LoadOrCreate(_dir.Path, Options());

        Assert.True(pki.CreatedCa);
        Assert.True(pki.IssuedServingCertificate);
        foreach (var file in new[] { "ca.crt", "ca.key", "server.crt", "server.key", "admin.crt", "admin.key", "token", "kubeconfig.yaml" })
        {
            Assert.True(File.Exists(_dir.File(file)), file);
        }
    }

    [Fact]
    public void LoadOrCreate_SecretFiles_AreMode0600()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var pki = ClusterPki.LoadOrCreate(_dir.Path, Options());

        foreach (var file in new[] { "ca.key", "server.key", "admin.key", "token", "kubeconfig.yaml" })
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_dir.File(file)));
        }
    }

    [Fact]
    public void LoadOrCreate_SecondCall_ReusesEverything()
    {
        string caThumbprint, servingThumbprint, adminThumbprint, token, kubeconfig;
        using (var first = ClusterPki.LoadOrCreate(_dir.Path, Options()))
        {
            (caThumbprint, servingThumbprint, adminThumbprint, token, kubeconfig) =
                (first.CaCertificate.Thumbprint, first.ServingCertificate.Thumbprint, first.AdminCertificate.Thumbprint, first.JoinToken, first.KubeconfigYaml);
        }

        _time.Advance(TimeSpan.FromDays(10));
        using var second = ClusterPki.LoadOrCreate(_dir.Path, Options());

        Assert.False(second.CreatedCa);
        Assert.False(second.IssuedServingCertificate);
        Assert.Equal(caThumbprint, second.CaCertificate.Thumbprint);
        Assert.Equal(servingThumbprint, second.ServingCertificate.Thumbprint);
        Assert.Equal(adminThumbprint, second.AdminCertificate.Thumbprint);
        Assert.Equal(token, second.JoinToken);
        Assert.Equal(kubeconfig, second.KubeconfigYaml);
    }

    [Fact]
    public void LoadOrCreate_ExtraSanAdded_ReissuesOnlyServingCertificate()
    {
        string caThumbprint, servingThumbprint;
        using (var first = ClusterPki.LoadOrCreate(_dir.Path, Options()))
        {
            (caThumbprint, servingThumbprint) = (first.CaCertificate.Thumbprint, first.ServingCertificate.Thumbprint);
        }

        using var second = ClusterPki.LoadOrCreate(_dir.Path, Options("10.0.0.5", "api.example.test"));

        Assert.Equal(caThumbprint, second.CaCertificate.Thumbprint);
        Assert.True(second.IssuedServingCertificate);
        Assert.NotEqual(servingThumbprint, second.ServingCertificate.Thumbprint);
        var (dns, ips) = Sans(second.ServingCertificate);
        Assert.Contains("api.example.test", dns);
        Assert.Contains(IPAddress.Parse("10.0.0.5"), ips);
    }

    [Fact]
    public void LoadOrCreate_ServingCertificateNearExpiry_IsRotated()
    {
        string servingThumbprint, caThumbprint;
        using (var first = ClusterPki.LoadOrCreate(_dir.Path, Options()))
        {
            (caThumbprint, servingThumbprint) = (first.CaCertificate.Thumbprint, first.ServingCertificate.Thumbprint);
        }

        _time.Advance(TimeSpan.FromDays(340));
        using var second = ClusterPki.LoadOrCreate(_dir.Path, Options());

        Assert.Equal(caThumbprint, second.CaCertificate.Thumbprint);
        Assert.True(second.IssuedServingCertificate);
        Assert.NotEqual(servingThumbprint, second.ServingCertificate.Thumbprint);
        Assert.True(second.ServingCertificate.NotAfter.ToUniversalTime() > _time.GetUtcNow().UtcDateTime.AddDays(300));
    }

    [Fact]
    public void LoadOrCreate_CaDeleted_CreatesNewCaAndReissuesLeaves()
    {
        string caThumbprint, token;
        using (var first = ClusterPki.LoadOrCreate(_dir.Path, Options()))
        {
            (caThumbprint, token) = (first.CaCertificate.Thumbprint, first.JoinToken);
        }

        File.Delete(_dir.File("ca.key"));
        using var second = ClusterPki.LoadOrCreate(_dir.Path, Options());

        Assert.True(second.CreatedCa);
        Assert.NotEqual(caThumbprint, second.CaCertificate.Thumbprint);
        Assert.NotEqual(token, second.JoinToken);
        Assert.True(JoinToken.PinsCa(second.JoinToken, second.CaCertificate));
        Assert.True(new Authenticator(second.CaCertificate).AuthenticateCertificate(second.AdminCertificate).IsAuthenticated);
    }

    [Fact]
    public void ServingCertificate_HasKeyAndDefaultSans()
    {
        using var pki = ClusterPki.LoadOrCreate(_dir.Path, Options());

        Assert.True(pki.ServingCertificate.HasPrivateKey);
        var (dns, ips) = Sans(pki.ServingCertificate);
        foreach (var name in new[] { "localhost", "capstan-host", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local" })
        {
            Assert.Contains(name, dns);
        }

        Assert.Contains(IPAddress.Loopback, ips);
        Assert.Contains(IPAddress.IPv6Loopback, ips);
        var eku = Assert.Single(pki.ServingCertificate.Extensions.OfType<X509EnhancedKeyUsageExtension>());
        Assert.Equal("1.3.6.1.5.5.7.3.1", Assert.Single(eku.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>()).Value);
    }

    [Fact]
    public void CaCertificate_IsTenYearCa()
    {
        using var pki = ClusterPki.LoadOrCreate(_dir.Path, Options());

        var constraints = Assert.Single(pki.CaCertificate.Extensions.OfType<X509BasicConstraintsExtension>());
        Assert.True(constraints.CertificateAuthority);
        Assert.True(pki.CaCertificate.NotAfter.ToUniversalTime() > _time.GetUtcNow().UtcDateTime.AddDays(3649));
        Assert.False(pki.CaCertificate.HasPrivateKey);
    }

    [Fact]
    public void AdminCertificate_IsSystemAdminInSystemMasters()
    {
        using var pki = ClusterPki.LoadOrCreate(_dir.Path, Options());

        var result = new Authenticator(pki.CaCertificate, timeProvider: _time).AuthenticateCertificate(pki.AdminCertificate);

        Assert.True(result.IsAuthenticated);
        Assert.Equal("system:admin", result.User.Name);
        Assert.Contains("system:masters", result.User.Groups);
        Assert.Contains("system:authenticated", result.User.Groups);
    }

    [Fact]
    public void KubeconfigYaml_HasCapstanClusterAdminUserAndCurrentContext()
    {
        using var pki = ClusterPki.LoadOrCreate(_dir.Path, Options() with { Port = 7443 });

        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(_dir.File("kubeconfig.yaml"))));
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;

        Assert.Equal("Config", Scalar(root, "kind"));
        Assert.Equal("v1", Scalar(root, "apiVersion"));
        Assert.Equal("capstan", Scalar(root, "current-context"));

        var cluster = (YamlMappingNode)Assert.Single(((YamlSequenceNode)root["clusters"]).Children);
        Assert.Equal("capstan", Scalar(cluster, "name"));
        var clusterBody = (YamlMappingNode)cluster["cluster"];
        Assert.Equal("https://127.0.0.1:7443", Scalar(clusterBody, "server"));
        Assert.Equal(pki.CaCertificatePem, Decode(Scalar(clusterBody, "certificate-authority-data")));

        var user = (YamlMappingNode)Assert.Single(((YamlSequenceNode)root["users"]).Children);
        Assert.Equal("admin", Scalar(user, "name"));
        var userBody = (YamlMappingNode)user["user"];
        using var clientCertificate = X509Certificate2.CreateFromPem(
            Decode(Scalar(userBody, "client-certificate-data")), Decode(Scalar(userBody, "client-key-data")));
        Assert.Equal(pki.AdminCertificate.Thumbprint, clientCertificate.Thumbprint);
        Assert.True(clientCertificate.HasPrivateKey);

        var context = (YamlMappingNode)Assert.Single(((YamlSequenceNode)root["contexts"]).Children);
        Assert.Equal("capstan", Scalar(context, "name"));
        Assert.Equal("capstan", Scalar((YamlMappingNode)context["context"], "cluster"));
        Assert.Equal("admin", Scalar((YamlMappingNode)context["context"], "user"));
    }

    [Fact]
    public void JoinToken_HasK10FormatPinningCa()
    {
        using var pki = ClusterPki.LoadOrCreate(_dir.Path, Options());

        Assert.StartsWith("K10", pki.JoinToken);
        Assert.True(JoinToken.TryParse(pki.JoinToken, out var caHash, out var secret));
        Assert.Equal(JoinToken.CaHash(pki.CaCertificate), caHash);
        Assert.Equal(64, secret.Length);
        Assert.Equal(pki.JoinToken, File.ReadAllText(_dir.File("token")).Trim());
        Assert.Same(JoinToken.User, pki.StaticTokens[pki.JoinToken]);
        Assert.Same(JoinToken.User, pki.StaticTokens[secret]);
    }

    [Fact]
    public void IssueClientCertificate_CarriesNameAndGroups()
    {
        using var pki = ClusterPki.LoadOrCreate(_dir.Path, Options());
        using var certificate = pki.IssueClientCertificate("system:node:worker-1", ["system:nodes", "extra"], TimeSpan.FromDays(30));

        var result = new Authenticator(pki.CaCertificate, timeProvider: _time).AuthenticateCertificate(certificate);

        Assert.True(certificate.HasPrivateKey);
        Assert.True(result.IsAuthenticated);
        Assert.Equal("system:node:worker-1", result.User.Name);
        Assert.Equal(["system:nodes", "extra", "system:authenticated"], result.User.Groups);
    }

    [Fact]
    public void SignClientCertificateRequest_EcdsaCsr_YieldsCertificateForItsSubject()
    {
        using var pki = ClusterPki.LoadOrCreate(_dir.Path, Options());
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var csr = new CertificateRequest("O=system:nodes, CN=system:node:worker-2", key, System.Security.Cryptography.HashAlgorithmName.SHA256)
            .CreateSigningRequestPem();

        var pem = pki.SignClientCertificateRequest(csr, TimeSpan.FromDays(365));
        using var certificate = X509Certificate2.CreateFromPem(pem).CopyWithPrivateKey(key);

        var result = new Authenticator(pki.CaCertificate, timeProvider: _time).AuthenticateCertificate(certificate);
        Assert.True(result.IsAuthenticated, result.Error);
        Assert.Equal("system:node:worker-2", result.User.Name);
        Assert.Contains("system:nodes", result.User.Groups);
    }

    [Fact]
    public void SignClientCertificateRequest_RsaCsr_IsSigned()
    {
        using var pki = ClusterPki.LoadOrCreate(_dir.Path, Options());
        using var key = System.Security.Cryptography.RSA.Create(2048);
        var csr = new CertificateRequest("CN=jane", key, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1)
            .CreateSigningRequestPem();

        using var certificate = X509Certificate2.CreateFromPem(pki.SignClientCertificateRequest(csr, TimeSpan.FromDays(1)));

        Assert.Equal("CN=jane", certificate.Subject);
        Assert.True(new Authenticator(pki.CaCertificate, timeProvider: _time).AuthenticateCertificate(certificate).IsAuthenticated);
    }

    [Fact]
    public void SignClientCertificateRequest_Garbage_Throws()
    {
        using var pki = ClusterPki.LoadOrCreate(_dir.Path, Options());

        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => pki.SignClientCertificateRequest(
            "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n", TimeSpan.FromDays(1)));
    }

    private static (List<string> Dns, List<IPAddress> Ips) Sans(X509Certificate2 certificate)
    {
        var san = Assert.Single(certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>());
        return (san.EnumerateDnsNames().ToList(), san.EnumerateIPAddresses().ToList());
    }

    private static string Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node[key]).Value!;

    private static string Decode(string base64) => Encoding.ASCII.GetString(Convert.FromBase64String(base64));
}
