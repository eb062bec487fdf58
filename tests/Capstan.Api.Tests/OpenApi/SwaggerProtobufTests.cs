using System.Text;
using Capstan.Api.OpenApi;
using Capstan.Api.Registry;

namespace Capstan.Api.Tests.OpenApi;

public sealed class SwaggerProtobufTests
{
    private static readonly OpenApiDocuments Docs = OpenApiDocuments.Build(ResourceRegistry.BuiltIn);

    [Fact]
    public void V2Protobuf_TopLevel_HasVersionPathsAndDefinitions()
    {
        var fields = Fields(Docs.V2Protobuf).ToList();
        Assert.Equal("2.0", Encoding.UTF8.GetString(fields.Single(f => f.Number == 1).Value));
        Assert.Single(fields, f => f.Number == 8);
        var definitions = fields.Single(f => f.Number == 9).Value;
        var names = Fields(definitions)
            .Select(named => Encoding.UTF8.GetString(Fields(named.Value).First(f => f.Number == 1).Value))
            .ToList();
        Assert.Contains("io.k8s.api.core.v1.Pod", names);
        Assert.Contains("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", names);
    }

    [Fact]
    public void V2Protobuf_PodDefinition_CarriesGroupVersionKindAsYaml()
    {
        var definitions = Fields(Docs.V2Protobuf).Single(f => f.Number == 9).Value;
        var pod = Fields(definitions)
            .Select(named => Fields(named.Value).ToList())
            .Single(named => Encoding.UTF8.GetString(named.First(f => f.Number == 1).Value) == "io.k8s.api.core.v1.Pod");
        var schema = Fields(pod.Single(f => f.Number == 2).Value).ToList();
        var extension = schema.Where(f => f.Number == 31).Select(f => Fields(f.Value).ToList())
            .Single(e => Encoding.UTF8.GetString(e.First(f => f.Number == 1).Value) == "x-kubernetes-group-version-kind");
        var yaml = Encoding.UTF8.GetString(Fields(extension.Single(f => f.Number == 2).Value).Single(f => f.Number == 2).Value);
        Assert.Contains("\"kind\":\"Pod\"", yaml);
    }

    /// <summary>Length-delimited fields of a message (the encoder writes no others at the levels read here, except booleans, skipped).</summary>
    private static IEnumerable<(int Number, byte[] Value)> Fields(byte[] message)
    {
        var position = 0;
        while (position < message.Length)
        {
            var tag = ReadVarint(message, ref position);
            var number = (int)(tag >> 3);
            if ((tag & 7) == 0)
            {
                ReadVarint(message, ref position);
                continue;
            }

            var length = (int)ReadVarint(message, ref position);
            yield return (number, message[position..(position + length)]);
            position += length;
        }
    }

    private static ulong ReadVarint(byte[] data, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = data[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }
}
