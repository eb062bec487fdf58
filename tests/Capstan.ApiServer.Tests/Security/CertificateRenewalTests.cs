using Capstan.ApiServer.Security;

namespace Capstan.ApiServer.Tests.Security;

/// <summary>Renewal of leaf certificates while the PKI is in use (<see cref="ClusterPki.Refresh"/>) and forced rotation.</summary>
public sealed class CertificateRenewalTests : IDisposable
{
    private readonly TemporaryDirectory _dir = new();
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public void Dispose() => _dir.Dispose();

    private PkiOptions Options(TimeSpan? validity = null) =>
        new() { Port = 7443, HostName = "capstan-host", ExtraSans = ["10.0.0.9"], TimeProvider = _time, LeafValidity = validity ?? ClusterPki.DefaultLeafValidity };

    [Fact]
    public void Refresh_WithMoreThanAThirdLeft_ChangesNothing()
    {
        using var pki = ClusterPki.LoadOrCreate(_dir.Path, Options());
        var serving = pki.ServingCertificate;

        _time.Advance(TimeSpan.FromDays(240));

        Assert.Empty(pki.Refresh());
        Assert.Same(serving, pki.ServingCertificate);
    }

    [Fact]
    public void Refresh_WithLessThanAThirdLeft_RenewsLeavesInMemoryAndFiles()
    {
        using var pki = ClusterPki.LoadOrCreate(_dir.Path, Options());
        var (serving, admin, kubeconfig) = (pki.ServingCertificate.Thumbprint, pki.AdminCertificate.Thumbprint, pki.KubeconfigYaml);

        _time.Advance(TimeSpan.FromDays(250));
        var changed = pki.Refresh();

        Assert.Equal([ClusterPki.ServingCertificateFile, ClusterPki.AdminCertificateFile, ClusterPki.KubeletClientCertificateFile], changed);
        Assert.NotEqual(serving, pki.ServingCertificate.Thumbprint);
        Assert.NotEqual(admin, pki.AdminCertificate.Thumbprint);
        Assert.Equal(_time.GetUtcNow().UtcDateTime.AddDays(365), pki.ServingCertificate.NotAfter.ToUniversalTime(), TimeSpan.FromSeconds(1));
        Assert.NotEqual(kubeconfig, pki.KubeconfigYaml);
        Assert.Equal(pki.KubeconfigYaml, File.ReadAllText(_dir.File(ClusterPki.KubeconfigFile)));
        using var onDisk = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(_dir.File(ClusterPki.ServingCertificateFile));
        Assert.Equal(pki.ServingCertificate.Thumbprint, onDisk.Thumbprint);
    }

    [Fact]
    public void Refresh_ShortValidity_RenewsOnlyOnceAThirdIsLeft()
    {
        using var pki = ClusterPki.LoadOrCreate(_dir.Path, Options(TimeSpan.FromMinutes(30)));
        Assert.Equal(_time.GetUtcNow().UtcDateTime.AddMinutes(30), pki.ServingCertificate.NotAfter.ToUniversalTime(), TimeSpan.FromSeconds(1));

        _time.Advance(TimeSpan.FromMinutes(19));
        Assert.Empty(pki.Refresh());

        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Contains(ClusterPki.ServingCertificateFile, pki.Refresh());
        Assert.Empty(pki.Refresh());
    }

    [Fact]
    public void Refresh_LeafCappedAtCaExpiry_IsNotReissuedOverAndOver()
    {
        using (ClusterPki.LoadOrCreate(_dir.Path, Options()))
        {
        }

        // 9.9 years on, the CA has 36 days left: new leaves end with it, and renewing them again would gain nothing.
        _time.Advance(TimeSpan.FromDays(3614));
        using var pki = ClusterPki.LoadOrCreate(_dir.Path, Options());
        Assert.Equal(pki.CaCertificate.NotAfter, pki.ServingCertificate.NotAfter);

        _time.Advance(TimeSpan.FromDays(1));
        Assert.Empty(pki.Refresh());
    }

    [Fact]
    public void RotateInDataDirectory_KeepsCaSansAndPort_AndARunningPkiAdoptsTheFiles()
    {
        using var running = ClusterPki.LoadOrCreate(_dir.Path, Options());
        var (ca, serving, admin) = (running.CaCertificate.Thumbprint, running.ServingCertificate.Thumbprint, running.AdminCertificate.Thumbprint);

        var rotated = ClusterPki.RotateInDataDirectory(_dir.Path, timeProvider: _time);

        Assert.Equal([ClusterPki.ServingCertificateFile, ClusterPki.AdminCertificateFile, ClusterPki.KubeletClientCertificateFile], rotated);
        Assert.Equal(serving, running.ServingCertificate.Thumbprint);

        var adopted = running.Refresh();

        Assert.Equal([ClusterPki.ServingCertificateFile, ClusterPki.AdminCertificateFile, ClusterPki.KubeletClientCertificateFile], adopted);
        Assert.Equal(ca, running.CaCertificate.Thumbprint);
        Assert.NotEqual(serving, running.ServingCertificate.Thumbprint);
        Assert.NotEqual(admin, running.AdminCertificate.Thumbprint);
        var sans = running.ServingCertificate.Extensions.OfType<System.Security.Cryptography.X509Certificates.X509SubjectAlternativeNameExtension>().Single();
        Assert.Contains(System.Net.IPAddress.Parse("10.0.0.9"), sans.EnumerateIPAddresses());
        Assert.Contains("capstan-host", sans.EnumerateDnsNames());
        Assert.Contains("https://127.0.0.1:7443", running.KubeconfigYaml, StringComparison.Ordinal);
        Assert.Empty(running.Refresh());
    }

    [Fact]
    public void RotateInDataDirectory_NoPki_Throws()
    {
        Assert.Throws<FileNotFoundException>(() => ClusterPki.RotateInDataDirectory(_dir.Path, timeProvider: _time));
    }
}
