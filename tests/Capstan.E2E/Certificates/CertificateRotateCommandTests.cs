using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Capstan.E2E.Infrastructure;

namespace Capstan.E2E.Certificates;

/// <summary>`capstan certificate rotate` against the data dir of a running server: new files at once, kubectl keeps working, and the server serves the new certificate without a restart.</summary>
[Trait("Category", "Slow")]
public sealed class CertificateRotateCommandTests(CapstanServerFixture server) : ServerTest(server), IClassFixture<CapstanServerFixture>
{
    [Fact]
    public async Task Rotate_WhileServerRuns_NewCertificatesAreUsedWithoutRestart()
    {
        using var servedBefore = await HandshakeAsync(Server.Port);
        var kubeconfigBefore = await File.ReadAllTextAsync(Kubectl.KubeconfigPath);
        var caBefore = await File.ReadAllTextAsync(Path.Combine(Server.DataDir, "ca.crt"));

        var (exitCode, output) = await RunCapstanAsync("certificate", "rotate", "--data-dir", Server.DataDir);

        Assert.True(exitCode == 0, output);
        Assert.Contains("server.crt", output, StringComparison.Ordinal);
        Assert.Equal(caBefore, await File.ReadAllTextAsync(Path.Combine(Server.DataDir, "ca.crt")));
        Assert.NotEqual(kubeconfigBefore, await File.ReadAllTextAsync(Kubectl.KubeconfigPath));
        (await Kubectl.RunAsync("get", "namespaces")).EnsureSuccess();

        using var onDisk = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(Server.DataDir, "server.crt"));
        Assert.NotEqual(servedBefore.Thumbprint, onDisk.Thumbprint);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(150));
        while (true)
        {
            using var served = await HandshakeAsync(Server.Port);
            if (served.Thumbprint == onDisk.Thumbprint)
            {
                break;
            }

            await Task.Delay(500, deadline.Token);
        }
    }

    private static async Task<(int ExitCode, string Output)> RunCapstanAsync(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "capstan.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

    private static async Task<X509Certificate2> HandshakeAsync(int port)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        await using var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "127.0.0.1" });
        return X509CertificateLoader.LoadCertificate(tls.RemoteCertificate!.GetRawCertData());
    }
}
