using System.Text.Json.Nodes;
using Capstan.Api.Selectors;

namespace Capstan.Api.Tests.Selectors;

public sealed class LabelSelectorTests
{
    [Theory]
    [InlineData("", "")]
    [InlineData("   ", "")]
    [InlineData("x=a", "x=a")]
    [InlineData("x==a", "x==a")]
    [InlineData("x!=a", "x!=a")]
    [InlineData("y=b,x=a", "x=a,y=b")]
    [InlineData("x", "x")]
    [InlineData("!x", "!x")]
    [InlineData(" x , !y ", "x,!y")]
    [InlineData("x in (foo,,baz),y,z notin ()", "x in (,baz,foo),y,z notin ()")]
    [InlineData("x in (b,a,b)", "x in (a,b)")]
    [InlineData("x notin (a)", "x notin (a)")]
    [InlineData("x=", "x=")]
    [InlineData("x>1", "x>1")]
    [InlineData("x<10", "x<10")]
    [InlineData("x in (in,notin)", "x in (in,notin)")]
    [InlineData("example.com/app=web", "example.com/app=web")]
    [InlineData("app.kubernetes.io/name in (nginx)", "app.kubernetes.io/name in (nginx)")]
    public void Parse_Valid_CanonicalString(string text, string expected)
    {
        Assert.Equal(expected, LabelSelector.Parse(text).ToString());
    }

    [Theory]
    [InlineData("x=a||y=b")]
    [InlineData("x==a==b")]
    [InlineData("x=a b")]
    [InlineData("a b")]
    [InlineData("x in (a")]
    [InlineData("x in a")]
    [InlineData("x in (a b)")]
    [InlineData("x,")]
    [InlineData(",x")]
    [InlineData("!")]
    [InlineData("x=a,,y=b")]
    [InlineData("-x=a")]
    [InlineData("x/y/z=a")]
    [InlineData("Example.com/x=a")]
    [InlineData("x=-a")]
    [InlineData("x>a")]
    [InlineData("x=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("x!!=a")]
    [InlineData("x<-1")]
    public void Parse_Invalid_Throws(string text)
    {
        var e = Assert.Throws<SelectorParseException>(() => LabelSelector.Parse(text));
        Assert.False(string.IsNullOrEmpty(e.Message));
        Assert.False(LabelSelector.TryParse(text, out _, out var error));
        Assert.Equal(e.Message, error);
    }

    [Fact]
    public void Parse_BadOperator_KubernetesMessage()
    {
        var e = Assert.Throws<SelectorParseException>(() => LabelSelector.Parse("a b"));
        Assert.Equal("unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt", e.Message);
    }

    [Fact]
    public void Parse_InvalidValue_MessageNamesTheValue()
    {
        var e = Assert.Throws<SelectorParseException>(() => LabelSelector.Parse("x=-a"));
        Assert.StartsWith("unable to parse requirement: values[0][x]: Invalid value: \"-a\": a valid label must be an empty string", e.Message);
    }

    [Fact]
    public void Parse_TrailingGarbage_KubernetesMessage()
    {
        var e = Assert.Throws<SelectorParseException>(() => LabelSelector.Parse("x=a b"));
        Assert.Equal("found 'b', expected: ',' or 'end of string'", e.Message);
    }

    [Theory]
    [InlineData("env=prod", "env=prod,tier=web", true)]
    [InlineData("env=prod", "env=qa", false)]
    [InlineData("env=prod", "", false)]
    [InlineData("env!=prod", "", true)]
    [InlineData("env!=prod", "env=prod", false)]
    [InlineData("env in (prod,qa)", "env=qa", true)]
    [InlineData("env in (prod,qa)", "", false)]
    [InlineData("env notin (prod)", "", true)]
    [InlineData("env notin (prod)", "env=prod", false)]
    [InlineData("env", "env=", true)]
    [InlineData("env", "tier=web", false)]
    [InlineData("!env", "tier=web", true)]
    [InlineData("!env", "env=x", false)]
    [InlineData("n>5", "n=10", true)]
    [InlineData("n>5", "n=5", false)]
    [InlineData("n<5", "n=abc", false)]
    [InlineData("env=", "env=", true)]
    [InlineData("env=prod,tier=web", "env=prod", false)]
    [InlineData("", "", true)]
    public void Matches_Table(string selector, string labels, bool expected)
    {
        var dict = labels.Length == 0
            ? new Dictionary<string, string>()
            : labels.Split(',').Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal(expected, LabelSelector.Parse(selector).Matches(dict));
    }

    [Fact]
    public void Matches_JsonLabels()
    {
        var labels = (JsonObject)JsonNode.Parse("""{"app":"web","tier":"front"}""")!;
        Assert.True(LabelSelector.Parse("app=web,tier").Matches(labels));
        Assert.False(LabelSelector.Parse("app=db").Matches(labels));
        Assert.True(LabelSelector.Parse("!app").Matches((JsonObject?)null));
        var obj = new JsonObject { ["metadata"] = new JsonObject { ["labels"] = labels.DeepClone() } };
        Assert.True(LabelSelector.Parse("app in (web)").MatchesLabelsOf(obj));
        Assert.False(LabelSelector.Parse("app").MatchesLabelsOf(new JsonObject()));
    }

    [Fact]
    public void FromObject_Null_MatchesNothing()
    {
        var selector = LabelSelector.FromObject(null);
        Assert.True(selector.MatchesNothing);
        Assert.False(selector.Matches(new Dictionary<string, string>()));
        Assert.Equal("", selector.ToString());
    }

    [Fact]
    public void FromObject_Empty_MatchesEverything()
    {
        var selector = LabelSelector.FromObject(new JsonObject());
        Assert.True(selector.IsEmpty);
        Assert.True(selector.Matches(new Dictionary<string, string> { ["a"] = "b" }));
    }

    [Fact]
    public void FromObject_LabelsAndExpressions_CanonicalAndMatches()
    {
        var node = JsonNode.Parse("""
            {"matchLabels":{"tier":"web","app":"shop"},
             "matchExpressions":[{"key":"env","operator":"In","values":["qa","prod"]},
                                 {"key":"canary","operator":"DoesNotExist"},
                                 {"key":"zone","operator":"Exists"},
                                 {"key":"os","operator":"NotIn","values":["windows"]}]}
            """);
        var selector = LabelSelector.FromObject(node);
        Assert.Equal("app=shop,!canary,env in (prod,qa),os notin (windows),tier=web,zone", selector.ToString());
        Assert.True(selector.Matches(new Dictionary<string, string> { ["app"] = "shop", ["tier"] = "web", ["env"] = "qa", ["zone"] = "a" }));
        Assert.False(selector.Matches(new Dictionary<string, string> { ["app"] = "shop", ["tier"] = "web", ["env"] = "qa" }));
    }

    [Theory]
    [InlineData("""{"matchExpressions":[{"key":"a","operator":"Foo"}]}""", "\"Foo\" is not a valid label selector operator")]
    [InlineData("""{"matchExpressions":[{"key":"a","operator":"In","values":[]}]}""", "values: Invalid value: \"[]\": for 'in', 'notin' operators, values set can't be empty")]
    [InlineData("""{"matchExpressions":[{"key":"a","operator":"Exists","values":["x"]}]}""", "values: Invalid value: \"[x]\": values set must be empty for exists and does not exist")]
    [InlineData("""{"matchLabels":{"a b":"c"}}""", "key: Invalid value: \"a b\": name part must consist of alphanumeric characters")]
    public void FromObject_Invalid_Message(string json, string expectedStart)
    {
        Assert.False(LabelSelector.TryFromObject(JsonNode.Parse(json), out _, out var error));
        Assert.StartsWith(expectedStart, error);
    }

    [Fact]
    public void FromLabels_RequiresAll()
    {
        var selector = LabelSelector.FromLabels(new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" });
        Assert.Equal("a=1,b=2", selector.ToString());
        Assert.True(LabelSelector.FromLabels(new Dictionary<string, string>()).IsEmpty);
    }

    [Theory]
    [InlineData("app", true)]
    [InlineData("example.com/app", true)]
    [InlineData("a.b_c-d", true)]
    [InlineData("", false)]
    [InlineData("/app", false)]
    [InlineData("example.com/", false)]
    [InlineData("_app", false)]
    [InlineData("app_", false)]
    [InlineData("EXAMPLE.com/app", false)]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", true)]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false)]
    [InlineData("app\n", false)]
    public void LabelSyntax_Keys(string key, bool valid)
    {
        Assert.Equal(valid, LabelSyntax.IsValidKey(key));
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("v1.2_3-x", true)]
    [InlineData("-v", false)]
    [InlineData("v ", false)]
    [InlineData("a/b", false)]
    public void LabelSyntax_Values(string value, bool valid)
    {
        Assert.Equal(valid, LabelSyntax.IsValidValue(value));
    }
}
