using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace Capstan.Bench.Api.Targets;

/// <summary>Capstan's Kubernetes API over HTTPS with the kubeconfig's client certificate, trusting only its CA.</summary>
public sealed class CapstanTarget : IBenchTarget
{
    private readonly HttpClient _client;
    private readonly KubeconfigCredentials _credentials;
    private readonly ObjectPayload _payload;

    private CapstanTarget(HttpClient client, KubeconfigCredentials credentials, ObjectPayload payload)
    {
        _client = client;
        _credentials = credentials;
        _payload = payload;
    }

    /// <param name="http2">HTTP/2 multiplexed on one connection; otherwise HTTP/1.1 with up to <paramref name="connections"/> connections.</param>
    public static CapstanTarget Create(Uri baseAddress, string kubeconfigPath, bool http2, int connections, ObjectPayload payload)
    {
        var credentials = KubeconfigCredentials.Load(kubeconfigPath);
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = http2 ? 1 : connections,
            EnableMultipleHttp2Connections = false,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(5),
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = new X509CertificateCollection { credentials.Client },
                CertificateChainPolicy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    RevocationMode = X509RevocationMode.NoCheck,
                    CustomTrustStore = { credentials.Ca },
                },
            },
        };
        var client = new HttpClient(handler)
        {
            BaseAddress = baseAddress,
            DefaultRequestVersion = http2 ? HttpVersion.Version20 : HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(30),
        };
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return new CapstanTarget(client, credentials, payload);
    }

    /// <summary>Creates the namespace; an existing one is fine.</summary>
    public async Task EnsureNamespaceAsync(string ns, CancellationToken ct)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new { apiVersion = "v1", kind = "Namespace", metadata = new { name = ns } });
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await _client.PostAsync("api/v1/namespaces", content, ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode && response.StatusCode != HttpStatusCode.Conflict)
        {
            throw new HttpRequestException($"creating namespace {ns}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false)}");
        }
    }

    public Task CreateAsync(string ns, string name, CancellationToken ct) => CreateAsync(ns, name, dryRun: false, ct);

    /// <param name="dryRun">`?dryRun=All`: the whole request path (decode, defaulting, validation, managed fields,
    /// encode) except the store and the watch cache, so create − dry run is what storing costs.</param>
    public async Task CreateAsync(string ns, string name, bool dryRun, CancellationToken ct)
    {
        using var content = new ByteArrayContent(_payload.ConfigMapJson(ns, name));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await _client.PostAsync($"api/v1/namespaces/{ns}/configmaps{(dryRun ? "?dryRun=All" : "")}", content, ct).ConfigureAwait(false);

        // Read the whole answer: a client has not got its acknowledgement before it has the created object.
        var body = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new HttpRequestException($"create {ns}/{name}: {(int)response.StatusCode} {System.Text.Encoding.UTF8.GetString(body)}");
        }
    }

    /// <summary>Creates an Opaque Secret with one value of the payload's size (the encryption-at-rest scenario).</summary>
    public async Task CreateSecretAsync(string ns, string name, CancellationToken ct)
    {
        using var content = new ByteArrayContent(_payload.SecretJson(ns, name));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await _client.PostAsync($"api/v1/namespaces/{ns}/secrets", content, ct).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new HttpRequestException($"create secret {ns}/{name}: {(int)response.StatusCode} {System.Text.Encoding.UTF8.GetString(body)}");
        }
    }

    public async Task ReadAsync(string ns, string name, CancellationToken ct)
    {
        using var response = await _client.GetAsync($"api/v1/namespaces/{ns}/configmaps/{name}", ct).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new HttpRequestException($"get {ns}/{name}: {(int)response.StatusCode} {System.Text.Encoding.UTF8.GetString(body)}");
        }
    }

    /// <summary>GET /readyz: TLS, HTTP and routing with no storage behind it, the floor under every request.</summary>
    public async Task PingAsync(CancellationToken ct)
    {
        using var response = await _client.GetAsync("readyz", ct).ConfigureAwait(false);
        _ = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    public async Task<IAsyncDisposable> WatchAsync(string ns, Action<string> onCreated, CancellationToken ct)
    {
        string resourceVersion;
        using (var list = await _client.GetAsync($"api/v1/namespaces/{ns}/configmaps?limit=1", ct).ConfigureAwait(false))
        {
            list.EnsureSuccessStatusCode();
            using var doc = JsonDocument.Parse(await list.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false));
            resourceVersion = doc.RootElement.GetProperty("metadata").GetProperty("resourceVersion").GetString()!;
        }

        var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var request = new HttpRequestMessage(HttpMethod.Get, $"api/v1/namespaces/{ns}/configmaps?watch=true&resourceVersion={resourceVersion}&timeoutSeconds=600");
        var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stop.Token).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var stream = await response.Content.ReadAsStreamAsync(stop.Token).ConfigureAwait(false);
        var reader = Task.Run(() => ReadEventsAsync(stream, onCreated, stop.Token), CancellationToken.None);
        return new WatchHandle(stop, reader, [response, request, stream]);
    }

    private static async Task ReadEventsAsync(Stream stream, Action<string> onCreated, CancellationToken ct)
    {
        using var lines = new StreamReader(stream);
        while (!ct.IsCancellationRequested)
        {
            var line = await lines.ReadLineAsync(ct).ConfigureAwait(false);
            if (line is null)
            {
                return;
            }

            if (line.Length == 0)
            {
                continue;
            }

            using var doc = JsonDocument.Parse(line);
            if (doc.RootElement.GetProperty("type").GetString() == "ADDED")
            {
                onCreated(doc.RootElement.GetProperty("object").GetProperty("metadata").GetProperty("name").GetString()!);
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        _credentials.Dispose();
        return ValueTask.CompletedTask;
    }
}
