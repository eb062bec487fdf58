using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Capstan.ApiServer.Security;
using Capstan.Server;
using k8s;

namespace Capstan.ApiServer.Tests.Security;

/// <summary>A running server renews its serving certificate and serves the new one on the next TLS handshake, without a restart.</summary>
[Trait("Category", "Slow")]
public sealed class ServingCertificateRotationTests : IDisposable
{
    private readonly TemporaryDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task ServingCertificate_NearExpiry_IsRenewedAndServedWithoutRestart()
    {
        // 30 s certificates are renewed with 10 s left, i.e. about 20 s after they were issued.
        await using var server = await StartAsync(TimeSpan.FromSeconds(30));
        using var first = await HandshakeAsync(server.Address.Port);

        using var renewed = await WaitForNewCertificateAsync(server.Address.Port, first.Thumbprint);

        Assert.True(renewed.NotAfter > first.NotAfter, $"renewed NotAfter {renewed.NotAfter:O} is not after {first.NotAfter:O}");
        Assert.Equal(first.Issuer, renewed.Issuer);
        Assert.Equal(server.Pki.ServingCertificate.Thumbprint, renewed.Thumbprint);

        // The admin kubeconfig on disk carries a renewed client certificate that the server accepts.
        var config = k8s.KubernetesClientConfiguration.BuildConfigFromConfigFile(server.KubeconfigPath);
        using var client = new k8s.Kubernetes(config);
        var namespaces = await client.CoreV1.ListNamespaceAsync();
        Assert.Contains(namespaces.Items, n => n.Metadata.Name == "default");
    }

    [Fact]
    public async Task RotateInDataDirectory_WhileServerRuns_NewCertificateIsServed()
    {
        await using var server = await StartAsync(ClusterPki.DefaultLeafValidity);
        using var first = await HandshakeAsync(server.Address.Port);

        ClusterPki.RotateInDataDirectory(_dir.Path);
        using var rotated = await WaitForNewCertificateAsync(server.Address.Port, first.Thumbprint);

        using var onDisk = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(_dir.Path, ClusterPki.ServingCertificateFile));
        Assert.Equal(onDisk.Thumbprint, rotated.Thumbprint);
        Assert.Equal(first.Issuer, rotated.Issuer);
    }

    private Task<CapstanServer> StartAsync(TimeSpan validity) =>
        CapstanServer.StartAsync(new ServerConfig
        {
            DataDir = _dir.Path,
            HttpsPort = CapstanServer.FreePort(),
            LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
            DisableControllerManager = true,
            DisableScheduler = true,
            DisableDns = true,
            CertificateValidity = validity,
            CertificateCheckInterval = TimeSpan.FromMilliseconds(500),
        }, CancellationToken.None);

    private static async Task<X509Certificate2> WaitForNewCertificateAsync(int port, string oldThumbprint)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (true)
        {
            var served = await HandshakeAsync(port);
            if (served.Thumbprint != oldThumbprint)
            {
                return served;
            }

            served.Dispose();
            await Task.Delay(250, deadline.Token);
        }
    }

    /// <summary>A fresh TCP connection and TLS handshake; returns the certificate the server presented.</summary>
    private static async Task<X509Certificate2> HandshakeAsync(int port)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        await using var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "127.0.0.1" });
        return X509CertificateLoader.LoadCertificate(tls.RemoteCertificate!.GetRawCertData());
    }
}
