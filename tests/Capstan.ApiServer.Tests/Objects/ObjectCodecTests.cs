using System.Text;
using System.Text.Json.Nodes;
using Capstan.ApiServer.Objects;
using Xunit;

namespace Capstan.ApiServer.Tests.Objects;

public sealed class ObjectCodecTests
{
    [Theory]
    [InlineData("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"ns","uid":"u","labels":{"app":"a","x.io/tier":"t<>&'\"é"}},"spec":{"containers":[{"name":"c","image":"i"}]},"status":{}}""")]
    [InlineData("""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"n"}}""")]
    [InlineData("""{"kind":"ConfigMap","data":{"metadata":"not this one","k":"v\n\u0001"},"metadata":{"name":"c","namespace":"d","annotations":{"a":"{\"x\":1}"}},"n":1.50}""")]
    [InlineData("""{"kind":"X","metadata":{}}""")]
    [InlineData("""{"kind":"X","metadata":{"name":"m","labels":{}}}""")]
    [InlineData("""{"kind":"X","metadata":{"name":"m","labels":null}}""")]
    [InlineData("""{"kind":"X"}""")]
    [InlineData("""{"kind":"X","metadata":{"name":"m","labels":{"n":1}}}""")]
    [InlineData("""{"kind":"X","metadata":{"name":"m","resourceVersion":"5"}}""")]
    public void ToCached_FromStoredBytes_SameAsParsedObject(string stored)
    {
        var bytes = ObjectCodec.ToStored(JsonNode.Parse(stored)!.AsObject());
        var expected = ObjectCodec.ToCached("/registry/k", ObjectCodec.Decode(bytes, 42), 42);

        var actual = ObjectCodec.ToCached("/registry/k", bytes, 42);

        Assert.Equal(Encoding.UTF8.GetString(expected.Json), Encoding.UTF8.GetString(actual.Json));
        Assert.Equal(expected.Name, actual.Name);
        Assert.Equal(expected.Namespace, actual.Namespace);
        Assert.Equal(expected.Revision, actual.Revision);
        Assert.Equal(expected.Labels.OrderBy(l => l.Key), actual.Labels.OrderBy(l => l.Key));
    }

    [Fact]
    public void ToCached_ResourceVersionInStoredBytes_ReplacedAsByDecode()
    {
        var bytes = Encoding.UTF8.GetBytes("""{"kind":"X","metadata":{"name":"m","resourceVersion":"5","uid":"u"}}""");

        var cached = ObjectCodec.ToCached("/registry/k", bytes, 42);

        Assert.Equal("""{"kind":"X","metadata":{"name":"m","resourceVersion":"42","uid":"u"}}""", Encoding.UTF8.GetString(cached.Json));
    }
}
