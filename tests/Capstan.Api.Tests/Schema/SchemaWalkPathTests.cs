using System.Text;
using System.Text.Json.Nodes;
using Capstan.Api.Schema;
using k8s.Models;

namespace Capstan.Api.Tests.Schema;

/// <summary>
/// The unknown-field, duplicate and type walks format a path only for a finding; these hold them to the walks that
/// formatted every path up front, on seeded random edits (wrong types, unknown and repeated fields) of realistic objects.
/// </summary>
public sealed class SchemaWalkPathTests
{
    private const string Pod = """
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"ns","labels":{"app":"a"},"annotations":{"note":"x"},
         "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs","uid":"u0","controller":true}],"finalizers":["f1"]},
         "spec":{"containers":[{"name":"c","image":"busybox","ports":[{"containerPort":80,"protocol":"TCP"}],"resources":{"requests":{"cpu":"10m"}},"env":[{"name":"A","value":"1"}]},
           {"name":"d","image":"nginx","args":["-x","-y"]}],
          "tolerations":[{"key":"k","operator":"Exists"}],"nodeSelector":{"zone":"z1"},"restartPolicy":"Always","priority":0,
          "affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"a","operator":"In","values":["x"]}]}]}}}},
         "status":{"phase":"Pending","conditions":[{"type":"Ready","status":"False"}]}}
        """;

    private const string Deployment = """
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default","labels":{"app":"web"}},
         "spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%"}},
          "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"nginx","image":"nginx:1","ports":[{"containerPort":80}]}]}}},
         "status":{"replicas":2,"conditions":[{"type":"Available","status":"True"}]}}
        """;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Walks_RandomEdits_SameAsEagerPaths(int seed)
    {
        var random = new Random(seed);
        foreach (var (json, type) in new[] { (Pod, typeof(V1Pod)), (Deployment, typeof(V1Deployment)) })
        {
            for (var i = 0; i < 400; i++)
            {
                var obj = JsonNode.Parse(json)!.AsObject();
                for (var edits = random.Next(0, 4); edits > 0; edits--)
                {
                    Mutate(obj, random);
                }

                Assert.Equal(UnknownFieldsReference.Find(type, obj), UnknownFields.Find(type, obj));
                Assert.Equal(FieldTypesReference.FindMismatch(type, obj), FieldTypes.FindMismatch(type, obj));

                var text = obj.ToJsonString();
                var repeated = Repeat(text, random);
                Assert.Equal(UnknownFieldsReference.FindDuplicates(Encoding.UTF8.GetBytes(repeated)), UnknownFields.FindDuplicates(Encoding.UTF8.GetBytes(repeated)));
                AssertParsesAsBefore(repeated);
            }
        }
    }

    [Fact]
    public void FindDuplicates_NestedRepeats_PathsAsBefore()
    {
        var json = """{"a":1,"b":[{"x":1},{"y":[{"z":1,"z":2}],"y":0}],"a":2,"c":{"d":{"e":1,"e":1}}}"""u8.ToArray();
        Assert.Equal([".b[1].y[0].z", ".b[1].y", ".a", ".c.d.e"], UnknownFields.FindDuplicates(json));
        Assert.Equal(UnknownFieldsReference.FindDuplicates(json), UnknownFields.FindDuplicates(json));
    }

    [Theory]
    [InlineData("""{"a\u0041":"\u00e9\"<>","b":[1.50,-0,1e3,null,true,{}],"c":{"d":"\ud83d\ude00"}}""")]
    [InlineData("""{"a":1,"a":{"b":2,"b":3}}""")]
    [InlineData("""[{"x":1},{"x":1,"x":2}]""")]
    [InlineData("""  "s"  """)]
    [InlineData("""null""")]
    public void ParseLastWins_Bodies_SameAsTreeOfClones(string json)
    {
        AssertParsesAsBefore(json);
    }

    [Theory]
    [InlineData("""{"a":1} x""")]
    [InlineData("""{"a":1,}""")]
    [InlineData("""{"a":1,"a":2""")]
    [InlineData("""{/*c*/"a":1}""")]
    [InlineData("")]
    public void ParseLastWins_NotJson_FailsWithTheSameMessage(string json)
    {
        var expected = Assert.ThrowsAny<System.Text.Json.JsonException>(() => UnknownFieldsReference.ParseLastWins(Encoding.UTF8.GetBytes(json)));
        var actual = Assert.ThrowsAny<System.Text.Json.JsonException>(() => UnknownFields.ParseLastWins(Encoding.UTF8.GetBytes(json), out _));
        Assert.Equal(expected.Message, actual.Message);
    }

    // The parse that defers building the tree gives the same JSON, as ToStored writes it, and says whether keys repeat.
    private static void AssertParsesAsBefore(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var options = new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        var expected = UnknownFieldsReference.ParseLastWins(bytes);
        var actual = UnknownFields.ParseLastWins(bytes, out var unique);
        Assert.Equal(expected?.ToJsonString(options), actual?.ToJsonString(options));
        Assert.Equal(expected?.ToJsonString(), actual?.ToJsonString());
        Assert.True(JsonNode.DeepEquals(expected, actual));
        Assert.Equal(UnknownFields.FindDuplicates(bytes).Count == 0, unique);
    }

    // Repeats one property of the text's objects by inserting a copy of the first property after an opening brace.
    private static string Repeat(string text, Random random)
    {
        var opens = new List<int>();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '{' && i + 1 < text.Length && text[i + 1] == '"')
            {
                opens.Add(i);
            }
        }

        if (opens.Count == 0 || random.Next(3) == 0)
        {
            return text;
        }

        var at = opens[random.Next(opens.Count)] + 1;
        var end = text.IndexOf("\":", at, StringComparison.Ordinal);
        return text[..at] + text[at..(end + 2)] + "0," + text[at..];
    }

    private static void Mutate(JsonObject root, Random random)
    {
        var containers = new List<JsonNode>();
        Collect(root, containers);
        var target = containers[random.Next(containers.Count)];
        var values = new Func<JsonNode?>[]
        {
            () => "s", () => 1, () => 1.5, () => true, () => null, () => new JsonObject(),
            () => new JsonObject { ["name"] = "c", ["imagez"] = 1 }, () => new JsonArray("a", 2), () => new JsonArray(new JsonObject { ["bad"] = 1 }),
        };
        switch (target)
        {
            case JsonObject obj when obj.Count > 0 && random.Next(2) == 0:
                obj[obj.GetAt(random.Next(obj.Count)).Key] = values[random.Next(values.Length)]();
                break;
            case JsonObject obj:
                obj[new[] { "name", "image", "unknownz", "replicas", "ports", "labels" }[random.Next(6)]] = values[random.Next(values.Length)]();
                break;
            case JsonArray arr when arr.Count > 0 && random.Next(2) == 0:
                arr[random.Next(arr.Count)] = values[random.Next(values.Length)]();
                break;
            case JsonArray arr:
                arr.Add(values[random.Next(values.Length)]());
                break;
        }
    }

    private static void Collect(JsonNode node, List<JsonNode> into)
    {
        into.Add(node);
        IEnumerable<JsonNode?> children = node switch
        {
            JsonObject obj => obj.Select(p => p.Value),
            JsonArray arr => arr,
            _ => [],
        };
        foreach (var child in children)
        {
            if (child is JsonObject or JsonArray)
            {
                Collect(child, into);
            }
        }
    }
}
