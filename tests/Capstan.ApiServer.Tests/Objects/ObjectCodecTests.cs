using System.Text;
using System.Text.Json.Nodes;
using Capstan.Api.Json;
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

        foreach (var actual in new[] { ObjectCodec.ToCached("/registry/k", bytes, 42), ObjectCodec.ToCached("/registry/k", bytes, 42, TrainedOnPods.Value) })
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

    // A compression whose dictionary was trained on variations of PodWithManagedFields.
    private static readonly Lazy<JsonCompression> TrainedOnPods = new(() =>
    {
        var compression = new JsonCompression(background: false);
        for (var i = 0; compression.Dictionary is null; i++)
        {
            Assert.True(i < JsonCompression.MaxSampleCount, "no dictionary after the most samples it takes");
            var pod = PodWithManagedFields.Replace("\"name\":\"p\"", $"\"name\":\"pod-{i}\"").Replace("\"uid\":\"u\"", $"\"uid\":\"{Guid.NewGuid()}\"");
            compression.Pack(ObjectCodec.ToStored(JsonNode.Parse(pod)!.AsObject()));
        }

        return compression;
    });

    [Fact]
    public void ToCached_WithTrainedCompression_KeepsPodsCompressedAndReadsThemBackExactly()
    {
        var stored = ObjectCodec.ToStored(JsonNode.Parse(PodWithManagedFields.Replace("\"name\":\"p\"", "\"name\":\"q\"").Replace("21:43:06Z", "22:00:00Z"))!.AsObject());

        var packed = ObjectCodec.ToCached("/registry/core/pods/ns/q", stored, 8, TrainedOnPods.Value);
        var plain = ObjectCodec.ToCached("/registry/core/pods/ns/q", stored, 8);

        Assert.Same(TrainedOnPods.Value.Dictionary, packed.Dictionary);
        Assert.True(packed.OwnBytes * 4 < packed.Length, $"{packed.OwnBytes} of {packed.Length} bytes held");
        Assert.Equal(plain.Length, packed.Length);
        Assert.Equal(Encoding.UTF8.GetString(plain.Json), Encoding.UTF8.GetString(packed.Json));
        var copy = new byte[packed.Length];
        packed.CopyTo(copy);
        Assert.Equal(plain.Json, copy);
        Assert.Equal("q", packed.Name);
    }

    [Fact]
    public void ToCached_ResourceVersionInStoredBytes_ReplacedAsByDecode()
    {
        var bytes = Encoding.UTF8.GetBytes("""{"kind":"X","metadata":{"name":"m","resourceVersion":"5","uid":"u"}}""");

        var cached = ObjectCodec.ToCached("/registry/k", bytes, 42);

        Assert.Equal("""{"kind":"X","metadata":{"name":"m","resourceVersion":"42","uid":"u"}}""", Encoding.UTF8.GetString(cached.Json));
    }
}
