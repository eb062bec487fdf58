using Capstan.ApiServer.Security;
using Microsoft.AspNetCore.Http;
using static Capstan.ApiServer.Tests.Security.Rbac;

namespace Capstan.ApiServer.Tests.Security;

public sealed class ImpersonationTests
{
    private static readonly UserInfo Jane = new("jane", SystemGroups.Authenticated);
    private static readonly UserInfo Admin = new("system:admin", SystemGroups.Masters, SystemGroups.Authenticated);

    private static readonly InMemoryRbacSource Source = new(
        clusterRoles: [ClusterRole("impersonate-bob", Rule(["impersonate"], [""], ["users"], ["bob"]))],
        clusterRoleBindings: [ClusterRoleBinding("jane-as-bob", "impersonate-bob", User("jane"))]);

    private static AuthorizationDecision Authorize(UserInfo user, RequestAttributes attributes) =>
        new RbacAuthorizer().Authorize(user, attributes, Source);

    private static HeaderDictionary Headers(params (string Key, string[] Values)[] headers)
    {
        var dictionary = new HeaderDictionary();
        foreach (var (key, values) in headers)
        {
            dictionary[key] = values;
        }

        return dictionary;
    }

    [Fact]
    public void Apply_NoHeaders_ReturnsRequester()
    {
        var result = Impersonation.Apply(Jane, Headers(), Authorize);

        Assert.False(result.Failed);
        Assert.Same(Jane, result.User);
    }

    [Fact]
    public void Apply_AllowedUser_RunsAsThatUserWithAuthenticatedGroup()
    {
        var result = Impersonation.Apply(Jane, Headers(("Impersonate-User", ["bob"])), Authorize);

        Assert.False(result.Failed);
        Assert.Equal("bob", result.User.Name);
        Assert.Equal(["system:authenticated"], result.User.Groups);
    }

    [Fact]
    public void Apply_UserNotAllowed_ForbiddenWithKubernetesMessage()
    {
        var result = Impersonation.Apply(Jane, Headers(("Impersonate-User", ["carol"])), Authorize);

        Assert.True(result.Failed);
        Assert.Equal(403, result.Error!.Code);
        Assert.Equal(
            "users \"carol\" is forbidden: User \"jane\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope",
            result.Error.Message);
    }

    [Fact]
    public void Apply_GroupNotAllowed_Forbidden()
    {
        var result = Impersonation.Apply(Jane, Headers(("Impersonate-User", ["bob"]), ("Impersonate-Group", ["system:masters"])), Authorize);

        Assert.True(result.Failed);
        Assert.Contains("groups \"system:masters\" is forbidden", result.Error!.Message);
    }

    [Fact]
    public void Apply_MasterImpersonatesServiceAccount_GetsServiceAccountGroups()
    {
        var result = Impersonation.Apply(Admin, Headers(("Impersonate-User", ["system:serviceaccount:ci:builder"])), Authorize);

        Assert.False(result.Failed);
        Assert.Equal("system:serviceaccount:ci:builder", result.User.Name);
        Assert.Equal(["system:serviceaccounts", "system:serviceaccounts:ci", "system:authenticated"], result.User.Groups);
    }

    [Fact]
    public void Apply_GroupsUidAndExtra_AreCarried()
    {
        var result = Impersonation.Apply(
            Admin,
            Headers(
                ("Impersonate-User", ["bob"]),
                ("Impersonate-Group", ["dev", "ops"]),
                ("Impersonate-Uid", ["42"]),
                ("Impersonate-Extra-Scopes%2FA", ["x", "y"])),
            Authorize);

        Assert.False(result.Failed);
        Assert.Equal(["dev", "ops", "system:authenticated"], result.User.Groups);
        Assert.Equal("42", result.User.Uid);
        Assert.Equal(["x", "y"], result.User.Extra["scopes/a"]);
    }

    [Fact]
    public void Apply_Anonymous_GetsUnauthenticatedGroup()
    {
        var result = Impersonation.Apply(Admin, Headers(("Impersonate-User", ["system:anonymous"])), Authorize);

        Assert.Equal(["system:unauthenticated"], result.User.Groups);
    }

    [Fact]
    public void Apply_GroupWithoutUser_BadRequest()
    {
        var result = Impersonation.Apply(Admin, Headers(("Impersonate-Group", ["dev"])), Authorize);

        Assert.True(result.Failed);
        Assert.Equal(400, result.Error!.Code);
    }
}
