using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Api.Tests.Kinds;

internal static class Json
{
    public static JsonObject Parse(string json) => JsonNode.Parse(json)!.AsObject();

    /// <summary>The node at a dotted path with [i] indexes, e.g. "spec.template.spec.containers[0].imagePullPolicy".</summary>
    public static JsonNode? At(JsonNode? node, string path)
    {
        foreach (var part in path.Split('.'))
        {
            var name = part;
            var index = -1;
            var bracket = part.IndexOf('[');
            if (bracket >= 0)
            {
                name = part[..bracket];
                index = int.Parse(part[(bracket + 1)..^1], System.Globalization.CultureInfo.InvariantCulture);
            }

            node = node?[name];
            if (index >= 0)
            {
                node = node?[index];
            }
        }

        return node;
    }

    public static string? Text(JsonNode? node, string path) => At(node, path)?.ToJsonString();

    public static IEnumerable<string> Fields(IEnumerable<FieldError> errors) => errors.Select(e => $"{e.Field}:{e.Reason}");
}
