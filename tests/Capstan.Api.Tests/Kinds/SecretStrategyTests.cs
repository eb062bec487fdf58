using System.Text.Json.Nodes;
using Capstan.Api.Kinds;

namespace Capstan.Api.Tests.Kinds;

public sealed class SecretStrategyTests
{
    private static readonly IKindStrategy Strategy = KindStrategies.Find("", "Secret")!;

    private static JsonObject Secret(string rest)
    {
        var obj = Json.Parse("""{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","namespace":"default"}""" + rest + "}");
        Strategy.Default(obj);
        return obj;
    }

    [Fact]
    public void Default_NoType_Opaque() => Assert.Equal("\"Opaque\"", Json.Text(Secret(""), "type"));

    [Fact]
    public void Default_StringData_MergedIntoDataBase64()
    {
        var secret = Secret(""","data":{"a":"eA=="},"stringData":{"b":"hello"}""");
        Assert.Null(secret["stringData"]);
        Assert.Equal("\"aGVsbG8=\"", Json.Text(secret, "data.b"));
        Assert.Equal("\"eA==\"", Json.Text(secret, "data.a"));
    }

    [Theory]
    [InlineData(""","type":"kubernetes.io/tls","data":{}""", "data[tls.crt]:FieldValueRequired", "data[tls.key]:FieldValueRequired")]
    [InlineData(""","type":"kubernetes.io/tls","data":{"tls.crt":"eA=="}""", "data[tls.key]:FieldValueRequired")]
    [InlineData(""","type":"kubernetes.io/dockerconfigjson","data":{}""", "data[.dockerconfigjson]:FieldValueRequired")]
    [InlineData(""","type":"kubernetes.io/dockerconfigjson","data":{".dockerconfigjson":"bm90IGpzb24="}""", "data[.dockerconfigjson]:FieldValueInvalid")]
    [InlineData(""","type":"kubernetes.io/basic-auth","data":{}""", "data[username]:FieldValueRequired", "data[password]:FieldValueRequired")]
    [InlineData(""","type":"kubernetes.io/ssh-auth","data":{}""", "data[ssh-privatekey]:FieldValueRequired")]
    [InlineData(""","type":"kubernetes.io/service-account-token" """, "metadata.annotations[kubernetes.io/service-account.name]:FieldValueRequired")]
    [InlineData(""","data":{"a":"!!!"}""", "data[a]:FieldValueInvalid")]
    public void Validate_TypeRequirements(string rest, params string[] expected) =>
        Assert.Equal(expected, Json.Fields(Strategy.Validate(Secret(rest), null)));

    [Fact]
    public void Validate_TlsComplete_NoErrors() =>
        Assert.Empty(Strategy.Validate(Secret(""","type":"kubernetes.io/tls","data":{"tls.crt":"eA==","tls.key":"eA=="}"""), null));

    [Fact]
    public void Validate_DockerConfigJsonValid_NoErrors() =>
        Assert.Empty(Strategy.Validate(Secret(""","type":"kubernetes.io/dockerconfigjson","data":{".dockerconfigjson":"eyJhdXRocyI6e319"}"""), null));

    [Fact]
    public void ValidateUpdate_TypeChanged_Immutable()
    {
        var old = Secret(""","data":{"username":"eA=="}""");
        var secret = Secret(""","type":"kubernetes.io/basic-auth","data":{"username":"eA=="}""");
        Assert.Equal(["type:FieldValueInvalid"], Json.Fields(Strategy.Validate(secret, old)));
    }

    [Fact]
    public void ValidateUpdate_ImmutableDataChanged_Forbidden()
    {
        var old = Secret(""","immutable":true,"data":{"a":"eA=="}""");
        var secret = Secret(""","immutable":true,"data":{"a":"eQ=="}""");
        Assert.Equal(["data:FieldValueForbidden"], Json.Fields(Strategy.Validate(secret, old)));
    }
}
