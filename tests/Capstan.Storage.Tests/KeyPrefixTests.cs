namespace Capstan.Storage.Tests;

public sealed class KeyPrefixTests
{
    [Theory]
    [InlineData("/registry/pods/", "/registry/pods0")]
    [InlineData("/a", "/b")]
    [InlineData("a\uFFFF", "b")]
    [InlineData("a\uD7FF", "b")]
    [InlineData("", null)]
    [InlineData("\uFFFF", null)]
    public void End_Prefix_ReturnsSmallestKeyAfterAllMatches(string prefix, string? expected)
    {
        Assert.Equal(expected, KeyPrefix.End(prefix));
    }

    [Theory]
    [InlineData("/registry/pods/ns/a", "/registry/pods/", true)]
    [InlineData("/registry/podsx/ns/a", "/registry/pods/", false)]
    [InlineData("/anything", "", true)]
    public void Matches_KeyAndPrefix_ComparesOrdinally(string key, string prefix, bool expected)
    {
        Assert.Equal(expected, KeyPrefix.Matches(key, prefix));
    }
}
