using Capstan.ApiServer.Security;
using k8s.Models;

namespace Capstan.ApiServer.Tests.Authorization;

/// <summary>What <c>kubectl auth can-i --list</c> shows.</summary>
public sealed class RulesReviewTests
{
    [Fact]
    public void RulesFor_SystemMasters_ListsEachRuleOnce()
    {
        var source = BootstrapPolicy.CreateSource();
        var admin = new UserInfo("admin", SystemGroups.Masters, SystemGroups.Authenticated);

        var status = new RbacAuthorizer().RulesFor(admin, "default", source);

        Assert.Single(status.NonResourceRules, r => r.NonResourceURLs.SequenceEqual(["*"]) && r.Verbs.SequenceEqual(["*"]));
        Assert.Single(status.ResourceRules, r => r.Resources.SequenceEqual(["*"]) && r.ApiGroups.SequenceEqual(["*"]));
        Assert.False(status.Incomplete);
    }
}
