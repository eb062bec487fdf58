using System.Net;
using System.Text;
using System.Text.Json;
using Capstan.ApiServer.Admission;
using Capstan.ApiServer.Security;
using Capstan.Server;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Capstan.ApiServer.Tests.ServiceAccounts;

/// <summary>Default service accounts, kube-root-ca.crt, TokenRequest, TokenReview and the kube-api-access volume on a server with its controllers.</summary>
[Trait("Category", "Slow")]
public sealed class ServiceAccountTokenApiTests : IAsyncLifetime
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "capstan-sa-" + Guid.NewGuid().ToString("N")[..10]);
    private CapstanServer _server = null!;
    private Kubernetes _admin = null!;

    public async Task InitializeAsync()
    {
        _server = await CapstanServer.StartAsync(new ServerConfig
        {
            DataDir = _dataDir,
            HttpsPort = CapstanServer.FreePort(),
            LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
            DisableScheduler = true,
        }, CancellationToken.None);
        _admin = _server.CreateInProcessClient("test-admin", "system:masters");
    }

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        await _server.DisposeAsync();
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task NewNamespace_GetsDefaultServiceAccountAndRootCa()
    {
        var ns = await NamespaceAsync();

        var cm = await _admin.CoreV1.ReadNamespacedConfigMapAsync(ServiceAccountAdmission.RootCaConfigMap, ns);
        Assert.Equal(_server.Pki.CaCertificatePem, cm.Data["ca.crt"]);

        // A deleted default account comes back, and so does an edited CA.
        await _admin.CoreV1.DeleteNamespacedServiceAccountAsync("default", ns);
        cm.Data["ca.crt"] = "tampered";
        await _admin.CoreV1.ReplaceNamespacedConfigMapAsync(cm, cm.Metadata.Name, ns);
        Assert.True(await EventuallyAsync(async () =>
            (await _admin.CoreV1.ListNamespacedServiceAccountAsync(ns)).Items.Any(s => s.Metadata.Name == "default")
            && (await _admin.CoreV1.ReadNamespacedConfigMapAsync(ServiceAccountAdmission.RootCaConfigMap, ns)).Data["ca.crt"] == _server.Pki.CaCertificatePem));
    }

    [Fact]
    public async Task TokenRequest_AudienceAndDuration_InTheJwt()
    {
        var ns = await NamespaceAsync();

        var response = await _admin.CoreV1.CreateNamespacedServiceAccountTokenAsync(
            new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec { Audiences = ["x"], ExpirationSeconds = 600 } }, "default", ns);

        using var payload = Payload(response.Status.Token);
        var root = payload.RootElement;
        Assert.Equal("x", root.GetProperty("aud")[0].GetString());
        Assert.Equal(600, root.GetProperty("exp").GetInt64() - root.GetProperty("iat").GetInt64());
        Assert.Equal($"system:serviceaccount:{ns}:default", root.GetProperty("sub").GetString());
        Assert.Equal(ns, root.GetProperty("kubernetes.io").GetProperty("namespace").GetString());
        var account = await _admin.CoreV1.ReadNamespacedServiceAccountAsync("default", ns);
        Assert.Equal(account.Metadata.Uid, root.GetProperty("kubernetes.io").GetProperty("serviceaccount").GetProperty("uid").GetString());

        // Not for the API server: TokenReview (API audiences) refuses it.
        var review = await ReviewAsync(response.Status.Token);
        Assert.NotEqual(true, review.Status.Authenticated);
    }

    [Fact]
    public async Task TokenRequest_TooShortOrUnknownAccount_Refused()
    {
        var ns = await NamespaceAsync();

        var tooShort = await Assert.ThrowsAsync<HttpOperationException>(() => _admin.CoreV1.CreateNamespacedServiceAccountTokenAsync(
            new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec { ExpirationSeconds = 60 } }, "default", ns));
        var missing = await Assert.ThrowsAsync<HttpOperationException>(() => _admin.CoreV1.CreateNamespacedServiceAccountTokenAsync(
            new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec() }, "nobody", ns));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, tooShort.Response.StatusCode);
        Assert.Contains("may not specify a duration less than 10 minutes", tooShort.Response.Content, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, missing.Response.StatusCode);
    }

    [Fact]
    public async Task BoundToken_AuthenticatesAsTheAccount_UntilThePodIsDeleted()
    {
        var ns = await NamespaceAsync();
        var pod = await _admin.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "app" },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "i" }] },
        }, ns);
        Assert.Equal("default", pod.Spec.ServiceAccountName);
        var volume = Assert.Single(pod.Spec.Volumes);
        Assert.StartsWith(ServiceAccountAdmission.VolumePrefix, volume.Name, StringComparison.Ordinal);
        Assert.Contains(pod.Spec.Containers[0].VolumeMounts, m => m.MountPath == ServiceAccountAdmission.MountPath);

        var token = (await _admin.CoreV1.CreateNamespacedServiceAccountTokenAsync(new Authenticationv1TokenRequest
        {
            Spec = new V1TokenRequestSpec { BoundObjectRef = new V1BoundObjectReference { Kind = "Pod", ApiVersion = "v1", Name = "app", Uid = pod.Metadata.Uid } },
        }, "default", ns)).Status.Token;

        var review = await ReviewAsync(token);
        Assert.True(review.Status.Authenticated == true, review.Status.Error);
        Assert.Equal($"system:serviceaccount:{ns}:default", review.Status.User.Username);
        Assert.Contains($"system:serviceaccounts:{ns}", review.Status.User.Groups);
        Assert.Equal(["app"], review.Status.User.Extra["authentication.kubernetes.io/pod-name"]);

        // The token works as a bearer token (and RBAC then judges the account, which may do nothing yet).
        using var asAccount = new Kubernetes(new KubernetesClientConfiguration
        {
            Host = _server.Address.ToString(),
            AccessToken = token,
            SslCaCerts = [System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(_server.Pki.CaCertificatePem)],
        });
        var forbidden = await Assert.ThrowsAsync<HttpOperationException>(() => asAccount.CoreV1.ListNamespacedPodAsync(ns));
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.Response.StatusCode);
        Assert.Contains($"User \\\"system:serviceaccount:{ns}:default\\\"", forbidden.Response.Content, StringComparison.Ordinal);

        await _admin.CoreV1.DeleteNamespacedPodAsync("app", ns, new V1DeleteOptions { GracePeriodSeconds = 0 });
        Assert.True(await EventuallyAsync(async () => (await ReviewAsync(token)).Status.Authenticated != true));
        var unauthorized = await Assert.ThrowsAsync<HttpOperationException>(() => asAccount.CoreV1.ListNamespacedPodAsync(ns));
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.Response.StatusCode);
    }

    [Fact]
    public async Task Token_AccountDeleted_Rejected()
    {
        var ns = await NamespaceAsync();
        await _admin.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "robot" } }, ns);
        var token = (await _admin.CoreV1.CreateNamespacedServiceAccountTokenAsync(new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec() }, "robot", ns)).Status.Token;
        Assert.True((await ReviewAsync(token)).Status.Authenticated == true);

        await _admin.CoreV1.DeleteNamespacedServiceAccountAsync("robot", ns);

        Assert.True(await EventuallyAsync(async () => (await ReviewAsync(token)).Status.Authenticated != true));
    }

    private async Task<V1TokenReview> ReviewAsync(string token) =>
        await _admin.AuthenticationV1.CreateTokenReviewAsync(new V1TokenReview { Spec = new V1TokenReviewSpec { Token = token } });

    private async Task<string> NamespaceAsync()
    {
        var ns = "sa-" + Guid.NewGuid().ToString("N")[..8];
        await _admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        Assert.True(await EventuallyAsync(async () =>
            (await _admin.CoreV1.ListNamespacedServiceAccountAsync(ns)).Items.Any(s => s.Metadata.Name == "default")
            && (await _admin.CoreV1.ListNamespacedConfigMapAsync(ns)).Items.Any(c => c.Metadata.Name == ServiceAccountAdmission.RootCaConfigMap)));
        return ns;
    }

    private static JsonDocument Payload(string jwt) =>
        JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(jwt.Split('.')[1]));

    private static async Task<bool> EventuallyAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(100);
        }

        return await condition();
    }
}
