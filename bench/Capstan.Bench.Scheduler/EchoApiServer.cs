using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Capstan.Bench.Scheduler;

/// <summary>
/// The transport floor: an HTTPS server on Kestrel (HTTP/1.1 and HTTP/2, as the API server listens) that answers a pod
/// create with the request body and does nothing else — no parsing, storage, watch or scheduling. Driving it with the
/// same client and concurrency as the real runs gives what the creates alone cost this machine, in both processes.
/// </summary>
public static class EchoApiServer
{
    public const string Flag = "--echo-server";

    /// <summary>Serves on 127.0.0.1:<paramref name="port"/> until the process is stopped.</summary>
    public static async Task ServeAsync(int port)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, listen =>
        {
            listen.Protocols = HttpProtocols.Http1AndHttp2;
            listen.UseHttps(certificate);
        }));
        await using var app = builder.Build();
        app.Run(HandleAsync);
        await app.RunAsync().ConfigureAwait(false);
    }

    private static async Task HandleAsync(HttpContext http)
    {
        if (HttpMethods.IsPost(http.Request.Method))
        {
            // A create answers 201 with the object, as the API server does; here the object is the request as sent.
            using var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body, http.RequestAborted).ConfigureAwait(false);
            http.Response.StatusCode = 201;
            http.Response.ContentType = "application/json";
            await http.Response.Body.WriteAsync(body.GetBuffer().AsMemory(0, (int)body.Length), http.RequestAborted).ConfigureAwait(false);
            return;
        }

        if (http.Request.Query["watch"] is ["true" or "1"])
        {
            // The workload's watch: an open stream with no events, until the client goes.
            http.Response.ContentType = "application/json";
            await http.Response.StartAsync(http.RequestAborted).ConfigureAwait(false);
            try
            {
                await Task.Delay(Timeout.Infinite, http.RequestAborted).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            return;
        }

        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync("""{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":[]}""", http.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Starts this benchmark's own executable as an echo server and returns it with a client that trusts it.</summary>
    public static async Task<(Process Process, Kubernetes Client)> StartAsync(CancellationToken ct)
    {
        var port = ServerProcess.FreePort();
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("no process path");
        var start = new ProcessStartInfo(self) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(EchoApiServer).Assembly.Location);
        }

        start.ArgumentList.Add(Flag);
        start.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));
        var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start the echo server");
        var client = new Kubernetes(new KubernetesClientConfiguration { Host = $"https://127.0.0.1:{port}", SkipTlsVerify = true });
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await client.CoreV1.ListNamespacedPodAsync(PodWorkload.Namespace, cancellationToken: ct).ConfigureAwait(false);
                return (process, client);
            }
            catch (HttpRequestException) when (deadline.Elapsed < TimeSpan.FromSeconds(30) && !process.HasExited)
            {
                await Task.Delay(200, ct).ConfigureAwait(false);
            }
        }
    }
}
