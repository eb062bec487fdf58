using System.Diagnostics;
using System.Net;
using Capstan.ApiServer.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Capstan.ApiServer.Tests.Security;

/// <summary>
/// The real kubectl (Go's TLS stack) against Kestrel configured as the API server will be: the PKI's serving
/// certificate, any client certificate accepted at the TLS layer, verification done by <see cref="Authenticator"/>.
/// </summary>
[Trait("Category", "Slow")]
public sealed class KubectlInteropTests : IAsyncLifetime
{
    private const string Kubectl = "/usr/bin/kubectl";
    private readonly TemporaryDirectory _dir = new();
    private ClusterPki? _pki;
    private WebApplication? _app;
    private int _port;

    public async Task InitializeAsync()
    {
        _pki = ClusterPki.LoadOrCreate(_dir.Path, new PkiOptions { Port = 6443, HostName = "capstan-test" });
        var authenticator = new Authenticator(_pki.CaCertificate, _pki.StaticTokens);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(https =>
        {
            https.ServerCertificate = _pki.ServingCertificate;
            https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
            https.AllowAnyClientCertificate();
        })));
        _app = builder.Build();
        _app.Run(async context =>
        {
            var result = await authenticator.AuthenticateAsync(context, context.RequestAborted);
            if (result.IsFailed || !result.IsAuthenticated)
            {
                context.Response.StatusCode = 401;
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(SecurityStatus.ToJson(SecurityStatus.Unauthorized()).ToJsonString());
                return;
            }

            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync($"{{\"user\":\"{result.User.Name}\",\"groups\":\"{string.Join(",", result.User.Groups)}\"}}");
        });
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _port = new Uri(address).Port;
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        _pki?.Dispose();
        _dir.Dispose();
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("localhost")]
    public async Task Kubectl_WithGeneratedKubeconfig_AuthenticatesAsAdmin(string host)
    {
        if (!File.Exists(Kubectl))
        {
            return;
        }

        var (exitCode, output) = await RunAsync(
            "--kubeconfig", _pki!.KubeconfigPath, "--server", $"https://{host}:{_port}", "get", "--raw", "/whoami");

        Assert.True(exitCode == 0, output);
        Assert.Contains("\"user\":\"system:admin\"", output);
        Assert.Contains("system:masters", output);
    }

    [Fact]
    public async Task Kubectl_WithJoinToken_AuthenticatesAsAgentJoin()
    {
        if (!File.Exists(Kubectl))
        {
            return;
        }

        var emptyConfig = _dir.File("empty-kubeconfig");
        await File.WriteAllTextAsync(emptyConfig, "apiVersion: v1\nkind: Config\n");
        var (exitCode, output) = await RunAsync(
            "--kubeconfig", emptyConfig,
            "--server", $"https://127.0.0.1:{_port}",
            "--certificate-authority", _dir.File(ClusterPki.CaCertificateFile),
            "--token", _pki!.JoinToken,
            "get", "--raw", "/whoami");

        Assert.True(exitCode == 0, output);
        Assert.Contains("\"user\":\"capstan:agent-join\"", output);
    }

    [Fact]
    public async Task Kubectl_WithWrongToken_IsUnauthorized()
    {
        if (!File.Exists(Kubectl))
        {
            return;
        }

        var emptyConfig = _dir.File("empty-kubeconfig");
        await File.WriteAllTextAsync(emptyConfig, "apiVersion: v1\nkind: Config\n");
        var (exitCode, output) = await RunAsync(
            "--kubeconfig", emptyConfig,
            "--server", $"https://127.0.0.1:{_port}",
            "--certificate-authority", _dir.File(ClusterPki.CaCertificateFile),
            "--token", "not-the-token",
            "get", "--raw", "/whoami");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Unauthorized", output, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(Kubectl)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["KUBECONFIG"] = "";
        start.Environment["HOME"] = Path.GetTempPath();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
