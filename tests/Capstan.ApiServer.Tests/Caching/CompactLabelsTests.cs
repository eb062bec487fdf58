using Capstan.Api.Text;
using Capstan.ApiServer.Caching;

namespace Capstan.ApiServer.Tests.Caching;

public sealed class CompactLabelsTests
{
    [Fact]
    public void From_Labels_ReadsAsTheDictionary()
    {
        var source = new Dictionary<string, string> { ["app"] = "web", ["tier"] = "front", ["empty"] = "" };
        var labels = CompactLabels.From(source, new StringTable());

        Assert.Equal(3, labels.Count);
        Assert.Equal("web", labels["app"]);
        Assert.True(labels.TryGetValue("empty", out var empty));
        Assert.Equal("", empty);
        Assert.False(labels.ContainsKey("App"));
        Assert.Throws<KeyNotFoundException>(() => labels["missing"]);
        Assert.Equal(source.OrderBy(kv => kv.Key), labels.OrderBy(kv => kv.Key));
        Assert.Equal(source.Keys.Order(), labels.Keys.Order());
        Assert.Equal(source.Values.Order(), labels.Values.Order());
    }

    [Fact]
    public void From_EqualStrings_ShareOneInstance()
    {
        var strings = new StringTable();
        var a = CompactLabels.From(new Dictionary<string, string> { [new string("app".AsSpan())] = new string("web".AsSpan()) }, strings);
        var b = CompactLabels.From(new Dictionary<string, string> { [new string("app".AsSpan())] = new string("web".AsSpan()) }, strings);

        Assert.Same(a.Keys.Single(), b.Keys.Single());
        Assert.Same(a["app"], b["app"]);
    }

    [Fact]
    public void From_ManyLabels_KeepsADictionary()
    {
        var source = Enumerable.Range(0, 40).ToDictionary(i => "k" + i, i => "v" + i);
        var labels = CompactLabels.From(source, new StringTable());

        Assert.Equal(40, labels.Count);
        Assert.Equal("v17", labels["k17"]);
    }

    [Fact]
    public void Intern_PastCapacityOrLength_ReturnsTheStringItself()
    {
        var strings = new StringTable(capacity: 2, maxLength: 8);
        var first = strings.Intern(new string("one".AsSpan()));
        Assert.Same(first, strings.Intern(new string("one".AsSpan())));
        strings.Intern("two");

        var third = new string("three".AsSpan());
        Assert.Same(third, strings.Intern(third));
        var longValue = new string('x', 9);
        Assert.Same(longValue, strings.Intern(longValue));
        Assert.Equal(2, strings.Count);
    }

    [Fact]
    public void CachedObject_Namespaces_AreShared()
    {
        var a = new CachedObject("/registry/core/pods/bench/a", 1, [], new string("bench".AsSpan()), "a", new Dictionary<string, string>());
        var b = new CachedObject("/registry/core/pods/bench/b", 2, [], new string("bench".AsSpan()), "b", new Dictionary<string, string>());

        Assert.Same(a.Namespace, b.Namespace);
        Assert.Empty(a.Labels);
    }
}
