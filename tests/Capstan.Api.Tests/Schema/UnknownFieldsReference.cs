using System.Text.Json;
using System.Text.Json.Nodes;

using Capstan.Api.Schema;

namespace Capstan.Api.Tests.Schema;

/// <summary>
/// Finds the fields of a request body the model does not know, and fields given twice, for <c>fieldValidation=Strict|Warn</c>.
/// Paths read like <c>.spec.template.spec.containers[0].imagez</c>; Kubernetes reports them without the leading dot:
/// <c>strict decoding error: unknown field "spec.template.spec.containers[0].imagez"</c>.
/// </summary>
/// <summary>The walk as it was before paths were formatted lazily: the reference the tests hold it to.</summary>
internal static class UnknownFieldsReference
{
    /// <summary>
    /// Paths of the properties of <paramref name="obj"/> that <paramref name="modelType"/> does not declare, depth first
    /// in document order. Free-form values (labels, annotations, data, embedded raw objects) never have unknown fields.
    /// </summary>
    public static IReadOnlyList<string> Find(Type modelType, JsonObject obj)
    {
        var found = new List<string>();
        Walk(ModelSchema.For(modelType), obj, "", found);
        return found;
    }

    /// <summary>Paths of the properties that occur more than once in the same JSON object (the last one wins when decoding).</summary>
    /// <exception cref="JsonException">The body is not valid JSON.</exception>
    public static IReadOnlyList<string> FindDuplicates(ReadOnlySpan<byte> json)
    {
        var found = new List<string>();
        var stack = new Stack<Frame>();
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    stack.Push(new Frame(ChildPath(stack), IsArray: false));
                    break;
                case JsonTokenType.StartArray:
                    stack.Push(new Frame(ChildPath(stack), IsArray: true));
                    break;
                case JsonTokenType.EndObject:
                case JsonTokenType.EndArray:
                    stack.Pop();
                    CompleteValue(stack);
                    break;
                case JsonTokenType.PropertyName:
                    var frame = stack.Peek();
                    var name = reader.GetString()!;
                    if (!frame.Keys.Add(name))
                    {
                        found.Add($"{frame.Path}.{name}");
                    }

                    frame.Property = name;
                    break;
                default:
                    CompleteValue(stack);
                    break;
            }
        }

        return found;
    }

    /// <summary>
    /// Parses JSON that may repeat a property, keeping the last value as Kubernetes does
    /// (<see cref="JsonNode.Parse(ReadOnlySpan{byte}, JsonNodeOptions?, JsonDocumentOptions)"/> throws on a repeated property).
    /// </summary>
    /// <exception cref="JsonException">The body is not valid JSON.</exception>
    public static JsonNode? ParseLastWins(ReadOnlyMemory<byte> json)
    {
        using var document = JsonDocument.Parse(json);
        return ToNode(document.RootElement);
    }

    private static JsonNode? ToNode(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var obj = new JsonObject();
                foreach (var property in element.EnumerateObject())
                {
                    obj[property.Name] = ToNode(property.Value);
                }

                return obj;
            case JsonValueKind.Array:
                var array = new JsonArray();
                foreach (var item in element.EnumerateArray())
                {
                    array.Add(ToNode(item));
                }

                return array;
            case JsonValueKind.Null:
                return null;
            default:
                return JsonValue.Create(element.Clone());
        }
    }

    private static void Walk(ModelSchema schema, JsonObject obj, string path, List<string> found)
    {
        foreach (var (name, value) in obj)
        {
            var fieldPath = $"{path}.{name}";
            if (!schema.Fields.TryGetValue(name, out var field))
            {
                found.Add(fieldPath);
                continue;
            }

            var nested = field.Nested;
            if (nested is null || value is null)
            {
                continue;
            }

            switch (field.Shape)
            {
                case FieldShape.Object when value is JsonObject child:
                    Walk(nested, child, fieldPath, found);
                    break;
                case FieldShape.List when value is JsonArray items:
                    for (var i = 0; i < items.Count; i++)
                    {
                        if (items[i] is JsonObject item)
                        {
                            Walk(nested, item, $"{fieldPath}[{i}]", found);
                        }
                    }

                    break;
                case FieldShape.Map when value is JsonObject map:
                    foreach (var (key, entry) in map)
                    {
                        if (entry is JsonObject item)
                        {
                            Walk(nested, item, $"{fieldPath}[{key}]", found);
                        }
                    }

                    break;
            }
        }
    }

    private static string ChildPath(Stack<Frame> stack)
    {
        if (stack.Count == 0)
        {
            return "";
        }

        var parent = stack.Peek();
        return parent.IsArray ? $"{parent.Path}[{parent.Index}]" : $"{parent.Path}.{parent.Property}";
    }

    private static void CompleteValue(Stack<Frame> stack)
    {
        if (stack.Count > 0 && stack.Peek().IsArray)
        {
            stack.Peek().Index++;
        }
    }

    private sealed record Frame(string Path, bool IsArray)
    {
        public HashSet<string> Keys { get; } = new(StringComparer.Ordinal);

        public string? Property { get; set; }

        public int Index { get; set; }
    }
}
