using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Capstan.Network.Ingress;
using Capstan.Network.Tests.Infrastructure;
using k8s;
using k8s.Models;

namespace Capstan.Network.Tests.Ingress;

/// <summary>
/// The ingress controller against a real API server: Ingresses, Services and hand-made EndpointSlices pointing at HTTP
/// servers on loopback. Each test uses its own host names, since one controller sees every test's Ingresses.
/// </summary>
[Trait("Category", "Slow")]
public sealed class IngressControllerTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Ingress_TwoHostsTwoPaths_RouteToTheirServices()
    {
        await using var ingress = await IngressHarness.StartAsync(fixture);
        var ns = await ingress.NamespaceAsync();
        await ingress.ServiceAsync(ns, "api", [await ingress.BackendAsync("api")]);
        await ingress.ServiceAsync(ns, "web", [await ingress.BackendAsync("web")]);
        await ingress.ServiceAsync(ns, "two", [await ingress.BackendAsync("two")]);
        await ingress.IngressAsync(ns, "routes",
            IngressHarness.Rule("one.test", IngressHarness.Path("/api", "Prefix", "api"), IngressHarness.Path("/web", "ImplementationSpecific", "web")),
            IngressHarness.Rule("two.test", IngressHarness.Path("/", "Prefix", "two")));

        await ingress.WaitForAsync("one.test", "/api/v1", "api");
        Assert.Equal((HttpStatusCode.OK, "web /web/index.html one.test:" + ingress.Options.HttpPort), await ingress.GetAsync("one.test", "/web/index.html"));
        Assert.StartsWith("two ", (await ingress.GetAsync("two.test", "/api")).Body);
        Assert.Equal(HttpStatusCode.NotFound, (await ingress.GetAsync("one.test", "/other")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await ingress.GetAsync("three.test", "/api")).Status);

        await ingress.Client.DeleteNamespacedIngressAsync("routes", ns);
        await ingress.WaitForAsync("two.test", "/", null, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Ingress_ActiveHealthCheck_SkipsAnEndpointWhoseProbeFails()
    {
        await using var ingress = await IngressHarness.StartAsync(fixture);
        var ns = await ingress.NamespaceAsync();
        var sick = await ingress.BackendAsync("sick");
        var well = await ingress.BackendAsync("well");
        await ingress.ServiceAsync(ns, "probed", [sick, well]);
        await ingress.Client.CreateNamespacedIngressAsync(new V1Ingress
        {
            Metadata = new V1ObjectMeta { Name = "probed", Annotations = new Dictionary<string, string> { [IngressAnnotations.HealthCheckPath] = "/healthz" } },
            Spec = new V1IngressSpec { Rules = [IngressHarness.Rule("probed.test", IngressHarness.Path("/", "Prefix", "probed"))] },
        }, ns);
        await ingress.WaitForAsync("probed.test", "/", "sick");

        // Both endpoints stay Ready in their slices: only the probe says one is failing.
        sick.Healthy = false;
        var inARow = 0;
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (inARow < 20 && DateTime.UtcNow < deadline)
        {
            inARow = (await ingress.GetAsync("probed.test", "/")).Body.StartsWith("well ", StringComparison.Ordinal) ? inARow + 1 : 0;
        }

        Assert.Equal(20, inARow);
        sick.Healthy = true;
        await ingress.WaitForAsync("probed.test", "/", "sick");
    }

    [Fact]
    public async Task StartAsync_PortTaken_ThrowsAndDisposesCleanly()
    {
        using var taken = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        await Assert.ThrowsAnyAsync<IOException>(() => IngressHarness.StartAsync(fixture, port));
    }

    [Fact]
    public async Task Ingress_ExactAndPrefix_ExactWinsAndPrefixIsElementWise()
    {
        await using var ingress = await IngressHarness.StartAsync(fixture);
        var ns = await ingress.NamespaceAsync();
        await ingress.ServiceAsync(ns, "exact", [await ingress.BackendAsync("exact")]);
        await ingress.ServiceAsync(ns, "prefix", [await ingress.BackendAsync("prefix")]);
        await ingress.IngressAsync(ns, "paths",
            IngressHarness.Rule("paths.test", IngressHarness.Path("/foo", "Exact", "exact"), IngressHarness.Path("/foo", "Prefix", "prefix")));

        await ingress.WaitForAsync("paths.test", "/foo", "exact");
        await ingress.WaitForAsync("paths.test", "/foo/", "prefix");
        await ingress.WaitForAsync("paths.test", "/foo/bar", "prefix");
        Assert.Equal(HttpStatusCode.NotFound, (await ingress.GetAsync("paths.test", "/foobar")).Status);
    }

    [Fact]
    public async Task Ingress_BackendWithoutReadyEndpoints_Answers503AndNotReadyEndpointsAreSkipped()
    {
        await using var ingress = await IngressHarness.StartAsync(fixture);
        var ns = await ingress.NamespaceAsync();
        var first = await ingress.BackendAsync("first");
        var second = await ingress.BackendAsync("second");
        await ingress.ServiceAsync(ns, "pair", [first, second]);
        await ingress.ServiceAsync(ns, "empty", []);
        await ingress.IngressAsync(ns, "health",
            IngressHarness.Rule("pair.test", IngressHarness.Path("/", "Prefix", "pair")),
            IngressHarness.Rule("empty.test", IngressHarness.Path("/", "Prefix", "empty")));
        await ingress.WaitForAsync("pair.test", "/", null);
        await ingress.WaitForAsync("empty.test", "/", null, HttpStatusCode.ServiceUnavailable);

        await ingress.SliceAsync(ns, "pair", first, ready: false);

        // The reload is applied when ten answers in a row come from the ready endpoint; then every answer must.
        var inARow = 0;
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (inARow < 10 && DateTime.UtcNow < deadline)
        {
            inARow = (await ingress.GetAsync("pair.test", "/")).Body.StartsWith("second ", StringComparison.Ordinal) ? inARow + 1 : 0;
        }

        for (var i = 0; i < 20; i++)
        {
            Assert.StartsWith("second ", (await ingress.GetAsync("pair.test", "/")).Body);
        }

        await ingress.SliceAsync(ns, "pair", first, ready: true);
        await ingress.WaitForAsync("pair.test", "/", "first");
    }

    [Fact]
    public async Task Ingress_CanaryWeight_SplitsTrafficWithinTolerance()
    {
        await using var ingress = await IngressHarness.StartAsync(fixture);
        var ns = await ingress.NamespaceAsync();
        await ingress.ServiceAsync(ns, "stable", [await ingress.BackendAsync("stable")]);
        await ingress.ServiceAsync(ns, "next", [await ingress.BackendAsync("next")]);
        await ingress.IngressAsync(ns, "main", IngressHarness.Rule("canary.test", IngressHarness.Path("/", "Prefix", "stable")));
        await ingress.Client.CreateNamespacedIngressAsync(new V1Ingress
        {
            Metadata = new V1ObjectMeta { Name = "canary", Annotations = new Dictionary<string, string> { [IngressAnnotations.CanaryWeight] = "25" } },
            Spec = new V1IngressSpec { Rules = [IngressHarness.Rule("canary.test", IngressHarness.Path("/", "Prefix", "next"))] },
        }, ns);
        await ingress.WaitForAsync("canary.test", "/", "next");

        // 400 requests at 25%: 100 expected, standard deviation about 8.7; 60..140 is more than four of them.
        var next = 0;
        for (var i = 0; i < 400; i++)
        {
            if ((await ingress.GetAsync("canary.test", "/")).Body.StartsWith("next ", StringComparison.Ordinal))
            {
                next++;
            }
        }

        Assert.InRange(next, 60, 140);
        var metrics = await ingress.Http.GetStringAsync($"http://127.0.0.1:{ingress.Options.MetricsPort}/metrics");
        Assert.Contains($"capstan_ingress_requests_total{{backend=\"{ns}/next:80\"}}", metrics, StringComparison.Ordinal);
        Assert.Contains($"capstan_ingress_request_duration_seconds_bucket{{backend=\"{ns}/stable:80\",le=\"+Inf\"}}", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingress_ReloadDuringLongRequest_DoesNotDropIt()
    {
        await using var ingress = await IngressHarness.StartAsync(fixture);
        var ns = await ingress.NamespaceAsync();
        await ingress.ServiceAsync(ns, "slow", [await ingress.BackendAsync("slow")]);
        await ingress.IngressAsync(ns, "slow", IngressHarness.Rule("slow.test", IngressHarness.Path("/", "Prefix", "slow")));
        await ingress.WaitForAsync("slow.test", "/", "slow");

        var inFlight = ingress.GetAsync("slow.test", "/slow?ms=1500");
        await Task.Delay(200);
        var generation = ingress.Controller.Generation;
        await ingress.ServiceAsync(ns, "more", [await ingress.BackendAsync("more")]);
        await ingress.IngressAsync(ns, "more", IngressHarness.Rule("more.test", IngressHarness.Path("/", "Prefix", "more")));
        await ingress.SliceAsync(ns, "slow", await ingress.BackendAsync("slow2"), ready: true);
        await ingress.WaitForAsync("more.test", "/", "more");
        Assert.True(ingress.Controller.Generation > generation);

        var (status, body) = await inFlight;
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.StartsWith("slow /slow", body);
    }

    [Fact]
    public async Task Ingress_Served_GetsTheNodeAddressInStatus()
    {
        await using var ingress = await IngressHarness.StartAsync(fixture);
        var ns = await ingress.NamespaceAsync();
        await ingress.IngressAsync(ns, "status", IngressHarness.Rule("status.test", IngressHarness.Path("/", "Prefix", "none")));

        var deadline = DateTime.UtcNow.AddSeconds(15);
        string? ip = null;
        while (ip is null && DateTime.UtcNow < deadline)
        {
            var current = await ingress.Client.ReadNamespacedIngressAsync("status", ns);
            ip = current.Status?.LoadBalancer?.Ingress?.SingleOrDefault()?.Ip;
            await Task.Delay(50);
        }

        Assert.Equal("127.0.0.1", ip);
        var ingressClass = await ingress.Client.ReadIngressClassAsync("capstan");
        Assert.Equal(IngressOptions.ControllerName, ingressClass.Spec.Controller);
        Assert.Equal("true", ingressClass.Metadata.Annotations[IngressAnnotations.IsDefaultClass]);
    }

    [Fact]
    public async Task Ingress_Tls_PresentsTheSecretsCertificateBySniAndTheDefaultOtherwise()
    {
        await using var ingress = await IngressHarness.StartAsync(fixture);
        var ns = await ingress.NamespaceAsync();
        await ingress.ServiceAsync(ns, "secure", [await ingress.BackendAsync("secure")]);
        var (certificatePem, keyPem, thumbprint) = SelfSigned("secure.test");
        await ingress.Client.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "secure-tls" },
            Type = "kubernetes.io/tls",
            Data = new Dictionary<string, byte[]> { ["tls.crt"] = Encoding.UTF8.GetBytes(certificatePem), ["tls.key"] = Encoding.UTF8.GetBytes(keyPem) },
        }, ns);
        await ingress.Client.CreateNamespacedIngressAsync(new V1Ingress
        {
            Metadata = new V1ObjectMeta { Name = "secure" },
            Spec = new V1IngressSpec
            {
                Tls = [new V1IngressTLS { Hosts = ["secure.test"], SecretName = "secure-tls" }],
                Rules = [IngressHarness.Rule("secure.test", IngressHarness.Path("/", "Prefix", "secure"))],
            },
        }, ns);
        await ingress.WaitForAsync("secure.test", "/", "secure");
        await Eventually.TrueAsync(() => ingress.Controller.Snapshot.Certificates.Find("secure.test") is not null, "the certificate to load");

        X509Certificate2? presented = null;
        using (var client = ingress.CreateClient(c => presented = c))
        {
            var body = await client.GetStringAsync(ingress.Https("secure.test", "/hello"));
            Assert.StartsWith("secure /hello", body);
        }

        Assert.Equal(thumbprint, presented!.Thumbprint);

        using (var client = ingress.CreateClient(c => presented = c))
        {
            using var response = await client.GetAsync(ingress.Https("unknown.test", "/"));
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        Assert.Contains("Capstan Ingress Default Certificate", presented!.Subject, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingress_TlsSecretWithChain_SendsTheIssuerToo()
    {
        await using var ingress = await IngressHarness.StartAsync(fixture);
        var ns = await ingress.NamespaceAsync();
        await ingress.ServiceAsync(ns, "chained", [await ingress.BackendAsync("chained")]);
        // Root → intermediate → leaf; tls.crt holds the leaf and the intermediate (servers never send the root).
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rootRequest = new CertificateRequest("CN=Test Root", rootKey, HashAlgorithmName.SHA256);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var root = rootRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Test Intermediate", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var caPublic = caRequest.Create(root, DateTimeOffset.UtcNow.AddHours(-2), DateTimeOffset.UtcNow.AddDays(20), [5, 6, 7, 8]);
        using var ca = caPublic.CopyWithPrivateKey(caKey);
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var leafRequest = new CertificateRequest("CN=chained.test", leafKey, HashAlgorithmName.SHA256);
        var sans = new SubjectAlternativeNameBuilder();
        sans.AddDnsName("chained.test");
        leafRequest.CertificateExtensions.Add(sans.Build());
        using var leaf = leafRequest.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(10), [1, 2, 3, 4]);
        await ingress.Client.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "chained-tls" },
            Type = "kubernetes.io/tls",
            Data = new Dictionary<string, byte[]>
            {
                ["tls.crt"] = Encoding.UTF8.GetBytes(leaf.ExportCertificatePem() + "\n" + ca.ExportCertificatePem()),
                ["tls.key"] = Encoding.UTF8.GetBytes(leafKey.ExportPkcs8PrivateKeyPem()),
            },
        }, ns);
        await ingress.Client.CreateNamespacedIngressAsync(new V1Ingress
        {
            Metadata = new V1ObjectMeta { Name = "chained" },
            Spec = new V1IngressSpec
            {
                Tls = [new V1IngressTLS { SecretName = "chained-tls" }],
                Rules = [IngressHarness.Rule("chained.test", IngressHarness.Path("/", "Prefix", "chained"))],
            },
        }, ns);
        await Eventually.TrueAsync(() => ingress.Controller.Snapshot.Certificates.Find("chained.test") is not null, "the certificate to load");

        // The client builds its chain from what the server sent: the issuer is only there if the server sent it.
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, ingress.Options.HttpsPort);
        string? issuerSeen = null;
        using var tls = new System.Net.Security.SslStream(tcp.GetStream(), false, (_, _, chain, _) =>
        {
            issuerSeen = chain!.ChainElements.Count > 1 ? chain.ChainElements[1].Certificate.Thumbprint : null;
            return true;
        });
        await tls.AuthenticateAsClientAsync("chained.test");
        Assert.Equal(ca.Thumbprint, issuerSeen);
    }

    private static (string Certificate, string Key, string Thumbprint) SelfSigned(string host)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=" + host, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var sans = new SubjectAlternativeNameBuilder();
        sans.AddDnsName(host);
        request.CertificateExtensions.Add(sans.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return (certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem(), certificate.Thumbprint);
    }
}
