using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using k8s;

namespace Capstan.ApiServer.Tests.Integration;

/// <summary>Bad requests get a 4xx metav1.Status naming the problem, never a 500.</summary>
public sealed class BadInputTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private Kubernetes Client => fixture.Client;

    private async Task<(HttpStatusCode Code, JsonNode? Status)> SendAsync(HttpMethod method, string path, string body, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, new Uri(Client.BaseUri, path)) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        using var response = await Client.HttpClient.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length > 0 ? JsonNode.Parse(text) : null);
    }

    [Theory]
    [InlineData("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",", "json parse error")]
    [InlineData("[1,2]", "must be a JSON object")]
    [InlineData("{\"apiVersion\":\"v2\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\"}}", "does not match the expected API version")]
    [InlineData("{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"x\"}}", "does not match the expected kind")]
    [InlineData("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\"},\"data\":\"nope\"}", "cannot unmarshal string")]
    public async Task Create_MalformedBodies_Are400WithAStatus(string body, string message)
    {
        var (code, status) = await SendAsync(HttpMethod.Post, "api/v1/namespaces/default/configmaps", body);
        Assert.Equal(HttpStatusCode.BadRequest, code);
        Assert.Equal("Status", (string?)status!["kind"]);
        Assert.Contains(message, (string?)status["message"]);
    }

    [Fact]
    public async Task Create_InvalidName_Is422NamingTheField()
    {
        var (code, status) = await SendAsync(HttpMethod.Post, "api/v1/namespaces/default/configmaps", "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"Bad_Name\"}}");
        Assert.Equal((HttpStatusCode)422, code);
        Assert.Equal("metadata.name", (string?)status!["details"]!["causes"]![0]!["field"]);
    }

    [Fact]
    public async Task Create_BodyOver3MiB_Is413()
    {
        var big = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"big\"},\"data\":{\"a\":\"" + new string('x', 3 * 1024 * 1024 + 10) + "\"}}";
        var (code, status) = await SendAsync(HttpMethod.Post, "api/v1/namespaces/default/configmaps", big);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, code);
        Assert.Equal("RequestEntityTooLarge", (string?)status!["reason"]);
    }

    [Fact]
    public async Task Patch_UnknownPatchType_Is415()
    {
        var (code, _) = await SendAsync(HttpMethod.Patch, "api/v1/namespaces/default/configmaps/x", "{}", "text/plain");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, code);
    }

    [Fact]
    public async Task UnknownResource_Is404Status()
    {
        using var response = await Client.HttpClient.GetAsync(new Uri(Client.BaseUri, "apis/apps/v1/namespaces/default/widgets"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("\"kind\":\"Status\"", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Anonymous_Is401_ButHealthAndVersionAreOpen()
    {
        using var anonymous = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true });
        var baseUri = fixture.Server.Address;
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(new Uri(baseUri, "api/v1/namespaces"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(new Uri(baseUri, "readyz"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(new Uri(baseUri, "version"))).StatusCode);
        using var badToken = new HttpRequestMessage(HttpMethod.Get, new Uri(baseUri, "api/v1/namespaces"));
        badToken.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "not-a-token");
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(badToken)).StatusCode);
    }

    [Fact]
    public async Task NonAdminUser_IsForbiddenByRbac_UntilBound()
    {
        using var cert = fixture.Server.Pki.IssueClientCertificate("jane", ["devs"], TimeSpan.FromHours(1));
        var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
        handler.ClientCertificates.Add(cert);
        using var jane = new HttpClient(handler);
        var baseUri = fixture.Server.Address;
        var denied = await jane.GetAsync(new Uri(baseUri, "api/v1/namespaces/default/configmaps"));
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.Contains("User \\\"jane\\\" cannot list resource \\\"configmaps\\\"", await denied.Content.ReadAsStringAsync());

        await Client.CreateNamespacedRoleBindingAsync(new k8s.Models.V1RoleBinding
        {
            Metadata = new k8s.Models.V1ObjectMeta { Name = "jane-view" },
            RoleRef = new k8s.Models.V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = "view" },
            Subjects = [new k8s.Models.Rbacv1Subject { Kind = "User", Name = "jane", ApiGroup = "rbac.authorization.k8s.io" }],
        }, "default");
        var allowed = await jane.GetAsync(new Uri(baseUri, "api/v1/namespaces/default/configmaps"));
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await jane.GetAsync(new Uri(baseUri, "api/v1/namespaces/kube-system/configmaps"))).StatusCode);
    }
}
