using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Capstan.ApiServer.Security;

namespace Capstan.Agent;

/// <summary>
/// Turns a join token into a node identity, once: fetches the server's CA and checks it against the hash the token pins,
/// then has the server sign a key made here for <c>system:node:&lt;name&gt;</c>. The result is a kubeconfig in the agent's
/// data dir; later starts reuse it while its certificate is valid for that node name and server.
/// </summary>
public static class AgentJoin
{
    public const string KubeconfigFile = "kubeconfig.yaml";

    /// <summary>Returns the path of the node's kubeconfig, joining first when needed.</summary>
    /// <exception cref="AgentJoinException">The server refused the token, or its CA does not match the token.</exception>
    public static Task<string> EnsureKubeconfigAsync(Uri server, string token, string nodeName, string agentDir, CancellationToken ct) =>
        EnsureKubeconfigAsync(server, token, nodeName, agentDir, fakeNodes: false, ct);

    /// <summary>Returns the path of the kubeconfig, joining first when needed.</summary>
    /// <param name="fakeNodes">Ask for the simulated-nodes identity (<c>system:capstan:fake-nodes:&lt;name&gt;</c>), which may act for
    /// every node it registers; a real node's identity may act only for itself.</param>
    /// <exception cref="AgentJoinException">The server refused the token, or its CA does not match the token.</exception>
    public static Task<string> EnsureKubeconfigAsync(Uri server, string token, string nodeName, string agentDir, bool fakeNodes, CancellationToken ct) =>
        JoinAsync(server, token, nodeName, agentDir, fakeNodes, renew: false, ct);

    /// <summary>Joins again with the token for a fresh certificate, whatever the current one's state (renewal).</summary>
    public static Task<string> RenewAsync(Uri server, string token, string nodeName, string agentDir, bool fakeNodes, CancellationToken ct) =>
        JoinAsync(server, token, nodeName, agentDir, fakeNodes, renew: true, ct);

    private static async Task<string> JoinAsync(Uri server, string token, string nodeName, string agentDir, bool fakeNodes, bool renew, CancellationToken ct)
    {
        var userName = (fakeNodes ? NodeIdentityEndpoint.FakeNodesUserPrefix : NodeIdentityEndpoint.NodeUserPrefix) + nodeName;
        Directory.CreateDirectory(agentDir);
        var kubeconfigPath = Path.Combine(agentDir, KubeconfigFile);
        var certPath = Path.Combine(agentDir, "client.crt");
        var serverPath = Path.Combine(agentDir, "server");
        if (!renew && File.Exists(kubeconfigPath) && File.Exists(certPath) && File.Exists(serverPath)
            && File.ReadAllText(serverPath).Trim() == server.ToString() && StillValid(certPath, userName))
        {
            return kubeconfigPath;
        }

        if (!JoinToken.TryParse(token, out var caHash, out _))
        {
            throw new AgentJoinException("the join token is malformed; copy it from `capstan token` on the server");
        }

        var caPem = await FetchCaAsync(server, caHash, ct).ConfigureAwait(false);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={userName}, O={SystemGroups.Nodes}", key, HashAlgorithmName.SHA256);
        var csr = request.CreateSigningRequestPem();
        var certificatePem = await RequestIdentityAsync(server, token, caPem, nodeName, csr, ct).ConfigureAwait(false);

        using var certificate = X509Certificate2.CreateFromPem(certificatePem, key.ExportPkcs8PrivateKeyPem());
        using var ca = X509Certificate2.CreateFromPem(caPem);
        WriteSecret(Path.Combine(agentDir, "client.key"), key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(certPath, certificatePem);
        File.WriteAllText(Path.Combine(agentDir, "ca.crt"), caPem);
        WriteSecret(kubeconfigPath, Kubeconfig.Render(server.ToString().TrimEnd('/'), ca, certificate, userName: userName));
        File.WriteAllText(serverPath, server.ToString());
        return kubeconfigPath;
    }

    /// <summary>
    /// When the agent's identity in <paramref name="agentDir"/> is due for renewal: once a third of its validity is left
    /// (the server's own leaves renew at the same point), or at once when it is missing or unreadable.
    /// </summary>
    public static DateTimeOffset RenewalDue(string agentDir)
    {
        try
        {
            var path = Path.Combine(agentDir, "client.crt");
            using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(path));
            // Signers back-date NotBefore a few minutes for clock skew; the life that counts starts when we received it.
            var notBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime());
            var received = new DateTimeOffset(File.GetLastWriteTimeUtc(path), TimeSpan.Zero);
            var start = received > notBefore ? received : notBefore;
            var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime());
            return notAfter - (notAfter - start) / 3;
        }
        catch (Exception ex) when (ex is IOException or CryptographicException or UnauthorizedAccessException)
        {
            return DateTimeOffset.MinValue;
        }
    }

    private static bool StillValid(string certPath, string userName)
    {
        try
        {
            using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(certPath));
            return certificate.GetNameInfo(X509NameType.SimpleName, false) == userName
                && certificate.NotAfter.ToUniversalTime() > DateTime.UtcNow.AddDays(1);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    // Trust on first use, pinned: any certificate is accepted for this one request, and the CA it returns must hash to the token's pin.
    private static async Task<string> FetchCaAsync(Uri server, string caHash, CancellationToken ct)
    {
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        var pem = await http.GetStringAsync(new Uri(server, NodeIdentityEndpoint.CaPath), ct).ConfigureAwait(false);
        using var ca = X509Certificate2.CreateFromPem(pem);
        if (caHash.Length > 0 && !string.Equals(JoinToken.CaHash(ca), caHash, StringComparison.OrdinalIgnoreCase))
        {
            throw new AgentJoinException($"the server at {server} presents a CA whose hash does not match the join token; refusing to join");
        }

        return pem;
    }

    private static async Task<string> RequestIdentityAsync(Uri server, string token, string caPem, string nodeName, string csr, CancellationToken ct)
    {
        using var ca = X509Certificate2.CreateFromPem(caPem);
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate is not null && SignedBy(certificate, ca),
        };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(server, NodeIdentityEndpoint.IdentityPath))
        {
            Content = JsonContent.Create(new JsonObject { ["nodeName"] = nodeName, ["csr"] = csr }),
        };
        message.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(message, ct).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var reason = JsonNode.Parse(body)?["message"]?.GetValue<string>() ?? body;
            throw new AgentJoinException($"the server refused to issue a node identity ({(int)response.StatusCode}): {reason}");
        }

        return JsonNode.Parse(body)?["certificate"]?.GetValue<string>()
            ?? throw new AgentJoinException("the server's node identity answer has no certificate");
    }

    private static bool SignedBy(X509Certificate2 certificate, X509Certificate2 ca)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    private static void WriteSecret(string path, string content)
    {
        File.WriteAllText(path, content);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}

public sealed class AgentJoinException(string message) : Exception(message);
