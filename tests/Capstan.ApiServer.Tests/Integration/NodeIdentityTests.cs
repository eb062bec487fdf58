using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Capstan.Agent;
using Capstan.ApiServer.Security;
using k8s;
using k8s.Models;

namespace Capstan.ApiServer.Tests.Integration;

public sealed class NodeIdentityTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IDisposable
{
    private readonly string _agentDir = Path.Combine(Path.GetTempPath(), "capstan-agent-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        if (Directory.Exists(_agentDir))
        {
            Directory.Delete(_agentDir, recursive: true);
        }
    }

    [Fact]
    public async Task EnsureKubeconfig_JoinToken_GivesANodeIdentityThatActsAsTheNode()
    {
        var path = await AgentJoin.EnsureKubeconfigAsync(fixture.Server.Address, fixture.Server.Pki.JoinToken, "worker-1", _agentDir, CancellationToken.None);

        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(path));
        var review = await client.AuthenticationV1.CreateSelfSubjectReviewAsync(new V1SelfSubjectReview());
        Assert.Equal("system:node:worker-1", review.Status.UserInfo.Username);
        Assert.Contains("system:nodes", review.Status.UserInfo.Groups);

        // What a node needs: register itself and renew its lease.
        await client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = "worker-1" } });
        Assert.Equal("worker-1", (await client.CoreV1.ReadNodeAsync("worker-1")).Metadata.Name);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public async Task EnsureKubeconfig_FakeNodes_GivesOneIdentityThatActsForSeveralNodes()
    {
        var path = await AgentJoin.EnsureKubeconfigAsync(fixture.Server.Address, fixture.Server.Pki.JoinToken, "simulator", _agentDir, fakeNodes: true, CancellationToken.None);

        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(path));
        var review = await client.AuthenticationV1.CreateSelfSubjectReviewAsync(new V1SelfSubjectReview());
        Assert.Equal("system:capstan:fake-nodes:simulator", review.Status.UserInfo.Username);

        // A real node's identity may touch only its own Node; the simulator registers and updates many.
        foreach (var name in new[] { "fake-a", "fake-b" })
        {
            await client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = name } });
            var node = await client.CoreV1.ReadNodeAsync(name);
            node.Metadata.Labels = new Dictionary<string, string> { ["simulated"] = "true" };
            await client.CoreV1.ReplaceNodeAsync(node, name);
        }
    }

    [Fact]
    public async Task EnsureKubeconfig_SecondCall_ReusesTheIdentity()
    {
        var first = await AgentJoin.EnsureKubeconfigAsync(fixture.Server.Address, fixture.Server.Pki.JoinToken, "worker-2", _agentDir, CancellationToken.None);
        var certificate = await File.ReadAllTextAsync(Path.Combine(_agentDir, "client.crt"));

        var second = await AgentJoin.EnsureKubeconfigAsync(fixture.Server.Address, "not-even-a-valid-token:", "worker-2", _agentDir, CancellationToken.None);

        Assert.Equal(first, second);
        Assert.Equal(certificate, await File.ReadAllTextAsync(Path.Combine(_agentDir, "client.crt")));
    }

    [Fact]
    public async Task EnsureKubeconfig_WrongSecret_IsRefused()
    {
        JoinToken.TryParse(fixture.Server.Pki.JoinToken, out var caHash, out _);
        var wrong = JoinToken.Format(caHash, JoinToken.NewSecret());

        var ex = await Assert.ThrowsAsync<AgentJoinException>(() =>
            AgentJoin.EnsureKubeconfigAsync(fixture.Server.Address, wrong, "worker-3", _agentDir, CancellationToken.None));

        Assert.Contains("401", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnsureKubeconfig_CaHashMismatch_IsRefusedBeforeSendingTheToken()
    {
        JoinToken.TryParse(fixture.Server.Pki.JoinToken, out _, out var secret);
        var pinnedElsewhere = JoinToken.Format(new string('a', 64), secret);

        var ex = await Assert.ThrowsAsync<AgentJoinException>(() =>
            AgentJoin.EnsureKubeconfigAsync(fixture.Server.Address, pinnedElsewhere, "worker-4", _agentDir, CancellationToken.None));

        Assert.Contains("does not match", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NodeIdentity_RequestForAnotherSubject_IsInvalid()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var csr = new CertificateRequest("CN=admin, O=system:masters", key, HashAlgorithmName.SHA256).CreateSigningRequestPem();

        var response = await PostIdentityAsync(fixture.Server.Pki.JoinToken, new JsonObject { ["nodeName"] = "worker-5", ["csr"] = csr });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.Status);
        Assert.Equal("Invalid", response.Body["reason"]?.GetValue<string>());
        Assert.Contains("csr", response.Body.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NodeIdentity_WithoutTheJoinToken_IsUnauthorized()
    {
        var response = await PostIdentityAsync(null, new JsonObject { ["nodeName"] = "worker-6", ["csr"] = "x" });

        Assert.Equal(HttpStatusCode.Unauthorized, response.Status);
    }

    private async Task<(HttpStatusCode Status, JsonObject Body)> PostIdentityAsync(string? token, JsonObject body)
    {
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
        using var http = new HttpClient(handler);
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(fixture.Server.Address, NodeIdentityEndpoint.IdentityPath)) { Content = JsonContent.Create(body) };
        if (token is not null)
        {
            message.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await http.SendAsync(message);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject());
    }
}
