using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Capstan.Client.Informers;
using Capstan.Network.Catalog;
using Capstan.Network.Ingress;
using Capstan.Network.Tests.Infrastructure;
using Capstan.Server;
using k8s;
using k8s.Models;

namespace Capstan.Network.Tests.Ingress;

/// <summary>
/// An ingress controller on free loopback ports over a <see cref="ServerFixture"/>, with helpers that create Services
/// and hand-made EndpointSlices for <see cref="TestBackend"/>s, and an HTTP client that reaches the ingress whatever
/// host name a request carries (so the URL's host is the Host header and the TLS server name).
/// </summary>
public sealed class IngressHarness : IAsyncDisposable
{
    private readonly ServerFixture _fixture;
    private readonly SharedInformerFactory _informers;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TestBackend> _backends = [];

    private IngressHarness(ServerFixture fixture, SharedInformerFactory informers, IngressController controller, IngressOptions options)
    {
        _fixture = fixture;
        _informers = informers;
        Controller = controller;
        Options = options;
        Http = CreateClient(null);
    }

    public IngressController Controller { get; }

    public IngressOptions Options { get; }

    public HttpClient Http { get; }

    public Kubernetes Client => _fixture.Client;

    public static async Task<IngressHarness> StartAsync(ServerFixture fixture, int? httpPort = null)
    {
        // A port FreePort handed out can be taken by another test's socket before the ingress binds it: choose again.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnFreePortsAsync(fixture, httpPort);
            }
            catch (IOException ex) when (ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException && attempt < 3)
            {
            }
        }
    }

    private static async Task<IngressHarness> StartOnFreePortsAsync(ServerFixture fixture, int? httpPort)
    {
        var informers = fixture.CreateInformers();
        var catalog = new ServiceCatalog(informers);
        var options = new IngressOptions
        {
            BindAddress = IPAddress.Loopback,
            HttpPort = httpPort ?? CapstanServer.FreePort(),
            HttpsPort = CapstanServer.FreePort(),
            MetricsPort = CapstanServer.FreePort(),
            ReloadDelay = TimeSpan.FromMilliseconds(5),
            ActiveHealthInterval = TimeSpan.FromMilliseconds(200),
        };
        var controller = new IngressController(informers, catalog, options, fixture.LoggerFactory);
        var harness = new IngressHarness(fixture, informers, controller, options);
        informers.Start(harness._stop.Token);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await controller.StartAsync(timeout.Token);
        }
        catch
        {
            await harness.DisposeAsync();
            throw;
        }

        return harness;
    }

    /// <summary>A client whose connections all go to the ingress; <paramref name="onCertificate"/> sees the server's certificate.</summary>
    public HttpClient CreateClient(Action<X509Certificate2>? onCertificate) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, ct) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(IPAddress.Loopback, context.DnsEndPoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        },
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                onCertificate?.Invoke(new X509Certificate2(certificate!));
                return true;
            },
        },
        PooledConnectionLifetime = TimeSpan.FromSeconds(1),
    })
    { Timeout = TimeSpan.FromSeconds(30) };

    public Uri HttpUri(string host, string path) => new($"http://{host}:{Options.HttpPort}{path}");

    public Uri Https(string host, string path) => new($"https://{host}:{Options.HttpsPort}{path}");

    /// <summary>Status code and body of GET <paramref name="path"/> on <paramref name="host"/> through the ingress.</summary>
    public async Task<(HttpStatusCode Status, string Body)> GetAsync(string host, string path)
    {
        using var response = await Http.GetAsync(HttpUri(host, path));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Polls until GET answers with a body starting with <paramref name="expectedBackend"/> (or, if null, with <paramref name="status"/>).</summary>
    public async Task WaitForAsync(string host, string path, string? expectedBackend, HttpStatusCode status = HttpStatusCode.OK)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        (HttpStatusCode Status, string Body) last = default;
        while (DateTime.UtcNow < deadline)
        {
            last = await GetAsync(host, path);
            if (last.Status == status && (expectedBackend is null || last.Body.StartsWith(expectedBackend + " ", StringComparison.Ordinal)))
            {
                return;
            }

            await Task.Delay(25);
        }

        Assert.Fail($"{host}{path}: expected {status} {expectedBackend}, last got {(int)last.Status} {last.Body}");
    }

    public async Task<TestBackend> BackendAsync(string name)
    {
        var backend = await TestBackend.StartAsync(name);
        _backends.Add(backend);
        return backend;
    }

    /// <summary>A Service (port 80 "http") with one EndpointSlice per backend, all ready unless listed in <paramref name="notReady"/>.</summary>
    public async Task ServiceAsync(string ns, string name, IEnumerable<TestBackend> backends, params TestBackend[] notReady)
    {
        await Client.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Name = "http", Port = 80, TargetPort = 8080 }] },
        }, ns);
        foreach (var backend in backends)
        {
            await SliceAsync(ns, name, backend, !notReady.Contains(backend));
        }
    }

    public async Task SliceAsync(string ns, string service, TestBackend backend, bool ready)
    {
        var slice = new V1EndpointSlice
        {
            Metadata = new V1ObjectMeta { Name = $"{service}-{backend.Name}", Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = service } },
            AddressType = "IPv4",
            Ports = [new Discoveryv1EndpointPort { Name = "http", Port = backend.Port, Protocol = "TCP" }],
            Endpoints = [new V1Endpoint { Addresses = ["127.0.0.1"], Conditions = new V1EndpointConditions { Ready = ready, Serving = ready } }],
        };
        var existing = await Client.DiscoveryV1.ListNamespacedEndpointSliceAsync(ns, fieldSelector: $"metadata.name={slice.Metadata.Name}");
        if (existing.Items.Count == 0)
        {
            await Client.CreateNamespacedEndpointSliceAsync(slice, ns);
        }
        else
        {
            slice.Metadata.ResourceVersion = existing.Items[0].Metadata.ResourceVersion;
            await Client.ReplaceNamespacedEndpointSliceAsync(slice, slice.Metadata.Name, ns);
        }
    }

    public async Task<string> NamespaceAsync()
    {
        var name = "ing-" + Guid.NewGuid().ToString("N")[..8];
        await Client.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        return name;
    }

    public static V1HTTPIngressPath Path(string path, string pathType, string service) => new()
    {
        Path = path,
        PathType = pathType,
        Backend = new V1IngressBackend { Service = new V1IngressServiceBackend { Name = service, Port = new V1ServiceBackendPort { Number = 80 } } },
    };

    public static V1IngressRule Rule(string? host, params V1HTTPIngressPath[] paths) =>
        new() { Host = host, Http = new V1HTTPIngressRuleValue { Paths = paths } };

    public Task<V1Ingress> IngressAsync(string ns, string name, params V1IngressRule[] rules) =>
        Client.CreateNamespacedIngressAsync(new V1Ingress { Metadata = new V1ObjectMeta { Name = name }, Spec = new V1IngressSpec { Rules = rules } }, ns);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Controller.DisposeAsync();
        await _stop.CancelAsync();
        await _informers.DisposeAsync();
        foreach (var backend in _backends)
        {
            await backend.DisposeAsync();
        }

        _stop.Dispose();
    }
}
