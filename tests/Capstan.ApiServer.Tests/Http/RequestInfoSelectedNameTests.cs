using Capstan.ApiServer.Http;

namespace Capstan.ApiServer.Tests.Http;

public sealed class RequestInfoSelectedNameTests
{
    [Theory]
    [InlineData("metadata.name=web", "web")]
    [InlineData("metadata.name==web", "web")]
    [InlineData("metadata.name!=web", "")]
    [InlineData("metadata.name=web,metadata.namespace=x", "")]
    [InlineData("spec.nodeName=n1", "")]
    [InlineData("", "")]
    [InlineData(null, "")]
    public void NameFromFieldSelector_OnlyAnExactSingleName_IsTaken(string? selector, string expected) =>
        Assert.Equal(expected, RequestInfo.NameFromFieldSelector(selector));
}
