using Capstan.Api.Selectors;

namespace Capstan.Api.Tests.Selectors;

public sealed class FieldSelectorTests
{
    [Theory]
    [InlineData("", "")]
    [InlineData("metadata.name=foo", "metadata.name=foo")]
    [InlineData("metadata.name==foo", "metadata.name=foo")]
    [InlineData("status.phase!=Running,spec.nodeName=n1", "spec.nodeName=n1,status.phase!=Running")]
    [InlineData("spec.nodeName=", "spec.nodeName=")]
    [InlineData(@"metadata.name=a\,b", @"metadata.name=a\,b")]
    [InlineData(@"metadata.name=a\=b\\c", @"metadata.name=a\=b\\c")]
    [InlineData("a=b,,c=d", "a=b,c=d")]
    public void Parse_Valid_CanonicalString(string text, string expected)
    {
        Assert.Equal(expected, FieldSelector.Parse(text).ToString());
    }

    [Fact]
    public void Parse_Escapes_UnescapedValue()
    {
        var selector = FieldSelector.Parse(@"metadata.name=a\,b\=c\\d");
        var requirement = Assert.Single(selector.Requirements);
        Assert.Equal("metadata.name", requirement.Field);
        Assert.Equal(@"a,b=c\d", requirement.Value);
    }

    [Theory]
    [InlineData("foo", "invalid selector: 'foo'; can't understand 'foo'")]
    [InlineData("a=b,foo", "invalid selector: 'a=b,foo'; can't understand 'foo'")]
    [InlineData(@"a=b\x", @"invalid field selector: invalid escape sequence: \x")]
    [InlineData(@"a=b\", @"invalid field selector: invalid escape sequence: \")]
    [InlineData("a=b=c", "invalid field selector: unescaped character in value: 61")]
    public void Parse_Invalid_KubernetesMessage(string text, string message)
    {
        Assert.False(FieldSelector.TryParse(text, out _, out var error));
        Assert.Equal(message, error);
    }

    [Theory]
    [InlineData("metadata.name=foo", true)]
    [InlineData("metadata.name!=foo", false)]
    [InlineData("metadata.name=foo,status.phase=Running", true)]
    [InlineData("metadata.name=foo,status.phase!=Running", false)]
    [InlineData("spec.nodeName=", true)]
    [InlineData("spec.nodeName!=", false)]
    [InlineData("", true)]
    public void Matches_Table(string text, bool expected)
    {
        var fields = new Dictionary<string, string> { ["metadata.name"] = "foo", ["status.phase"] = "Running" };
        Assert.Equal(expected, FieldSelector.Parse(text).Matches(fields));
    }

    [Fact]
    public void RequiresExactMatch_FindsEqualsTerm()
    {
        var selector = FieldSelector.Parse("metadata.name=web,status.phase!=Failed");
        Assert.Equal("web", selector.RequiresExactMatch("metadata.name"));
        Assert.Null(selector.RequiresExactMatch("status.phase"));
    }

    [Fact]
    public void EscapeValue_RoundTrips()
    {
        const string value = @"a,b=c\d";
        Assert.Equal(value, FieldSelector.UnescapeValue(FieldSelector.EscapeValue(value)));
    }
}
