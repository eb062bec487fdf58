using Capstan.Api.Validation;

namespace Capstan.Api.Tests.Validation;

public sealed class NameFormatsTests
{
    [Theory]
    [InlineData("a", true)]
    [InlineData("my-name", true)]
    [InlineData("123-abc", true)]
    [InlineData("example.com", false)]
    [InlineData("-a", false)]
    [InlineData("a-", false)]
    [InlineData("A", false)]
    [InlineData("", false)]
    public void IsDns1123Label_Cases(string value, bool valid) => Assert.Equal(valid, NameFormats.IsDns1123Label(value).Count == 0);

    [Theory]
    [InlineData("example.com", true)]
    [InlineData("a.b-c.d", true)]
    [InlineData("a..b", false)]
    [InlineData("a_b", false)]
    [InlineData(".a", false)]
    public void IsDns1123Subdomain_Cases(string value, bool valid) => Assert.Equal(valid, NameFormats.IsDns1123Subdomain(value).Count == 0);

    [Fact]
    public void IsDns1123Subdomain_Invalid_KubernetesMessage() =>
        Assert.Equal(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
            Assert.Single(NameFormats.IsDns1123Subdomain("Bad_Name")));

    [Fact]
    public void IsDns1123Label_TooLong_ReportsLength() =>
        Assert.Contains("must be no more than 63 characters", NameFormats.IsDns1123Label(new string('a', 64)));

    [Theory]
    [InlineData("abc", true)]
    [InlineData("1abc", false)]
    [InlineData("abc-1", true)]
    public void IsDns1035Label_Cases(string value, bool valid) => Assert.Equal(valid, NameFormats.IsDns1035Label(value).Count == 0);

    [Theory]
    [InlineData("app", true)]
    [InlineData("MyName", true)]
    [InlineData("my.name_x-1", true)]
    [InlineData("example.com/MyName", true)]
    [InlineData("app.kubernetes.io/name", true)]
    [InlineData("/name", false)]
    [InlineData("Example.com/name", false)]
    [InlineData("a/b/c", false)]
    [InlineData("-x", false)]
    [InlineData("", false)]
    public void IsQualifiedName_Cases(string value, bool valid) => Assert.Equal(valid, NameFormats.IsQualifiedName(value).Count == 0);

    [Fact]
    public void IsQualifiedName_EmptyPrefix_Message() =>
        Assert.Equal("prefix part must be non-empty", NameFormats.IsQualifiedName("/name")[0]);

    [Fact]
    public void IsQualifiedName_BadName_MessageHasDoubleSpacedExamples() =>
        Assert.Equal(
            "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
            Assert.Single(NameFormats.IsQualifiedName("-x")));

    [Theory]
    [InlineData("", true)]
    [InlineData("v1.2_x", true)]
    [InlineData("-x", false)]
    [InlineData("a b", false)]
    public void IsValidLabelValue_Cases(string value, bool valid) => Assert.Equal(valid, NameFormats.IsValidLabelValue(value).Count == 0);

    [Theory]
    [InlineData("system:admin", true)]
    [InlineData("Upper_Case", true)]
    [InlineData(".", false)]
    [InlineData("..", false)]
    [InlineData("a/b", false)]
    [InlineData("a%b", false)]
    public void IsValidPathSegmentName_Cases(string value, bool valid) => Assert.Equal(valid, NameFormats.IsValidPathSegmentName(value).Count == 0);

    [Theory]
    [InlineData("key.name", true)]
    [InlineData("KEY_NAME", true)]
    [InlineData("..x", false)]
    [InlineData("a/b", false)]
    [InlineData(".", false)]
    public void IsConfigMapKey_Cases(string value, bool valid) => Assert.Equal(valid, NameFormats.IsConfigMapKey(value).Count == 0);

    [Theory]
    [InlineData("http", true)]
    [InlineData("http-alt", true)]
    [InlineData("123", false)]
    [InlineData("a--b", false)]
    [InlineData("-ab", false)]
    [InlineData("abcdefghijklmnop", false)]
    [InlineData("HTTP", false)]
    public void IsValidPortName_Cases(string value, bool valid) => Assert.Equal(valid, NetworkFormats.IsValidPortName(value).Count == 0);
}
