using System.Net;
using Capstan.ApiServer.Tests.Hosting;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Capstan.ApiServer.Tests.Authorization;

/// <summary><c>kubectl --as</c> through the request pipeline: allowed only with the <c>impersonate</c> verb.</summary>
public sealed class ImpersonationRequestTests(InProcessServerFixture fixture) : IClassFixture<InProcessServerFixture>
{
    private static Dictionary<string, IReadOnlyList<string>> As(string user, params string[] groups)
    {
        var headers = new Dictionary<string, IReadOnlyList<string>> { ["Impersonate-User"] = [user] };
        if (groups.Length > 0)
        {
            headers["Impersonate-Group"] = groups;
        }

        return headers;
    }

    private async Task<string> WhoAmIAsync(Kubernetes client, Dictionary<string, IReadOnlyList<string>> headers)
    {
        using var response = await client.AuthenticationV1.CreateSelfSubjectReviewWithHttpMessagesAsync(new V1SelfSubjectReview(), customHeaders: headers);
        return response.Body.Status.UserInfo.Username;
    }

    [Fact]
    public async Task Impersonate_WithoutTheVerb_IsForbidden()
    {
        using var jane = fixture.Server.CreateInProcessClient("imp-jane", "system:authenticated");

        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => WhoAmIAsync(jane, As("imp-bob")));

        Assert.Equal(HttpStatusCode.Forbidden, ex.Response.StatusCode);
        Assert.Contains("cannot impersonate resource \\\"users\\\"", ex.Response.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Impersonate_WithTheVerb_RunsAsThatUser()
    {
        using var root = fixture.Server.CreateInProcessClient("imp-root", "system:masters", "system:authenticated");
        await root.RbacAuthorizationV1.CreateClusterRoleAsync(new V1ClusterRole
        {
            Metadata = new V1ObjectMeta { Name = "imp-kate-impersonator" },
            Rules = [new V1PolicyRule { Verbs = ["impersonate"], ApiGroups = [""], Resources = ["users"], ResourceNames = ["imp-lee"] }],
        });
        await root.RbacAuthorizationV1.CreateClusterRoleBindingAsync(new V1ClusterRoleBinding
        {
            Metadata = new V1ObjectMeta { Name = "imp-kate-impersonator" },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = "imp-kate-impersonator" },
            Subjects = [new Rbacv1Subject { Kind = "User", Name = "imp-kate", ApiGroup = "rbac.authorization.k8s.io" }],
        });
        using var kate = fixture.Server.CreateInProcessClient("imp-kate", "system:authenticated");

        Assert.Equal("imp-lee", await WhoAmIAsync(kate, As("imp-lee")));

        // The impersonated user's own rights apply: imp-lee may not list secrets.
        var denied = await Assert.ThrowsAsync<HttpOperationException>(() =>
            kate.CoreV1.ListNamespacedSecretWithHttpMessagesAsync("default", customHeaders: As("imp-lee")));
        Assert.Equal(HttpStatusCode.Forbidden, denied.Response.StatusCode);
        Assert.Contains("User \\\"imp-lee\\\" cannot list", denied.Response.Content, StringComparison.Ordinal);

        // Groups need their own grant.
        var group = await Assert.ThrowsAsync<HttpOperationException>(() => WhoAmIAsync(kate, As("imp-lee", "system:masters")));
        Assert.Equal(HttpStatusCode.Forbidden, group.Response.StatusCode);
    }
}
