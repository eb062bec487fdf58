using System.Text.Json.Nodes;

namespace Capstan.ApiServer.Tests.Protobuf;

/// <summary>Compares JSON ignoring property order, with a readable diff on failure.</summary>
internal static class JsonAssert
{
    public static void Equal(string expected, JsonNode? actual) => Assert.Equal(Canonical(JsonNode.Parse(expected)), Canonical(actual));

    private static string Canonical(JsonNode? node) => Sort(node)?.ToJsonString() ?? "null";

    private static JsonNode? Sort(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, Sort(p.Value)))),
        JsonArray array => new JsonArray(array.Select(Sort).ToArray()),
        null => null,
        _ => JsonNode.Parse(node.ToJsonString()),
    };
}
