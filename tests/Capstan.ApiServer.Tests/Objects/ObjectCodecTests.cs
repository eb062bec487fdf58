using System.Text;
using System.Text.Json.Nodes;
using Capstan.ApiServer.Caching;
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
    [InlineData(PodWithManagedFields)]
    [InlineData("""{"kind":"X","metadata":{"managedFields":[{"manager":"m","fieldsV1":{"f:a":{}}},{"fieldsV1":null},"x"],"name":"m"}}""")]
    [InlineData("""{"kind":"X","metadata":{"managedFields":{"fieldsV1":{}},"name":"m"}}""")]
    public void ToCached_FromStoredBytes_SameAsParsedObject(string stored)
    {
        var bytes = ObjectCodec.ToStored(JsonNode.Parse(stored)!.AsObject());
        var expected = ObjectCodec.ToCached("/registry/k", ObjectCodec.Decode(bytes, 42), 42);

        foreach (var actual in new[] { ObjectCodec.ToCached("/registry/k", bytes, 42), ObjectCodec.ToCached("/registry/k", bytes, 42, new SharedJsonPieces()) })
        {
            Assert.Equal(Encoding.UTF8.GetString(expected.Json), Encoding.UTF8.GetString(actual.Json));
            Assert.Equal(expected.Length, actual.Length);
            using (var rented = actual.Rent())
            {
                Assert.Equal(expected.Json, rented.Span.ToArray());
            }

            Assert.Equal(expected.Name, actual.Name);
            Assert.Equal(expected.Namespace, actual.Namespace);
            Assert.Equal(expected.Revision, actual.Revision);
            Assert.Equal(expected.Labels.OrderBy(l => l.Key), actual.Labels.OrderBy(l => l.Key));
        }
    }

    private const string FieldSet = "{\"f:metadata\":{\"f:labels\":{\".\":{},\"f:app\":{}}},\"f:spec\":{\"f:containers\":{\"k:{\\\"name\\\":\\\"c\\\"}\":{\".\":{},\"f:image\":{},\"f:name\":{}}}}}";

    private const string PodWithManagedFields = """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"ns","labels":{"app":"a"},"managedFields":[{"manager":"kubectl-create","operation":"Update","apiVersion":"v1","time":"2026-11-26T21:43:05Z","fieldsType":"FieldsV1","fieldsV1":""" + FieldSet + """},{"manager":"kubelet","operation":"Update","apiVersion":"v1","time":"2026-11-26T21:43:06Z","fieldsType":"FieldsV1","fieldsV1":{"f:status":{"f:phase":{}}},"subresource":"status"},{"manager":"other","operation":"Apply","fieldsV1":""" + FieldSet + """}],"uid":"u"},"spec":{"containers":[{"name":"c","image":"i"}]},"status":{"phase":"Running"}}""";

    [Fact]
    public void ToCached_WithSharedPieces_ObjectsWithTheSameFieldSetsShareThem()
    {
        var pieces = new SharedJsonPieces();
        var first = ObjectCodec.ToStored(JsonNode.Parse(PodWithManagedFields)!.AsObject());
        var second = ObjectCodec.ToStored(JsonNode.Parse(PodWithManagedFields.Replace("\"name\":\"p\"", "\"name\":\"q\"").Replace("21:43:06Z", "22:00:00Z"))!.AsObject());

        var a = ObjectCodec.ToCached("/registry/core/pods/ns/p", first, 7, pieces);
        var b = ObjectCodec.ToCached("/registry/core/pods/ns/q", second, 8, pieces);

        // The large field set is shared (once in the table, for both objects and both of its entries); the small one is not.
        Assert.Equal(1, pieces.Count);
        var shared = Encoding.UTF8.GetByteCount(FieldSet);
        Assert.Equal(a.Length - (2 * shared) + 32, a.OwnBytes);
        Assert.Equal(b.Length - (2 * shared) + 32, b.OwnBytes);
        Assert.Contains("\"name\":\"q\"", Encoding.UTF8.GetString(b.Json));
        Assert.Contains("22:00:00Z", Encoding.UTF8.GetString(b.Json));
        Assert.Equal(Encoding.UTF8.GetString(ObjectCodec.ToCached("/registry/core/pods/ns/q", second, 8).Json), Encoding.UTF8.GetString(b.Json));
    }

    [Fact]
    public void ToCached_ResourceVersionInStoredBytes_ReplacedAsByDecode()
    {
        var bytes = Encoding.UTF8.GetBytes("""{"kind":"X","metadata":{"name":"m","resourceVersion":"5","uid":"u"}}""");

        var cached = ObjectCodec.ToCached("/registry/k", bytes, 42);

        Assert.Equal("""{"kind":"X","metadata":{"name":"m","resourceVersion":"42","uid":"u"}}""", Encoding.UTF8.GetString(cached.Json));
    }
}
