using System.Text.Json;
using System.Text.Json.Nodes;

namespace Capstan.Api.Schema;

/// <summary>
/// Finds the fields of a request body the model does not know, and fields given twice, for <c>fieldValidation=Strict|Warn</c>.
/// Paths read like <c>.spec.template.spec.containers[0].imagez</c>; Kubernetes reports them without the leading dot:
/// <c>strict decoding error: unknown field "spec.template.spec.containers[0].imagez"</c>.
/// </summary>
public static class UnknownFields
{
    /// <summary>
    /// Paths of the properties of <paramref name="obj"/> that <paramref name="modelType"/> does not declare, depth first
    /// in document order. Free-form values (labels, annotations, data, embedded raw objects) never have unknown fields.
    /// </summary>
    public static IReadOnlyList<string> Find(Type modelType, JsonObject obj)
    {
        var found = new List<string>();
        Walk(ModelSchema.For(modelType), obj, new FieldPath(), found);
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
                    stack.Push(Enter(stack, isArray: false));
                    break;
                case JsonTokenType.StartArray:
                    stack.Push(Enter(stack, isArray: true));
                    break;
                case JsonTokenType.EndObject:
                case JsonTokenType.EndArray:
                    stack.Pop();
                    CompleteValue(stack);
                    break;
                case JsonTokenType.PropertyName:
                    var frame = stack.Peek();
                    var name = reader.GetString()!;
                    if (!(frame.Keys ??= new HashSet<string>(StringComparer.Ordinal)).Add(name))
                    {
                        found.Add($"{frame.Path()}.{name}");
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
    public static JsonNode? ParseLastWins(ReadOnlyMemory<byte> json) => ParseLastWins(json, out _);

    /// <inheritdoc cref="ParseLastWins(ReadOnlyMemory{byte})"/>
    /// <param name="unique">True when no object of the JSON repeats a property (then <see cref="FindDuplicates"/> finds none).</param>
    public static JsonNode? ParseLastWins(ReadOnlyMemory<byte> json, out bool unique)
    {
        // The usual body repeats nothing: parsed as one document whose nodes build their trees only when read (most are
        // never read, but copied to the stored text as they are), instead of a node and a cloned document per value.
        try
        {
            unique = true;
            return JsonNode.Parse(json.Span, documentOptions: NoDuplicates);
        }
        catch (JsonException)
        {
            // A repeated property (or not JSON at all, which the parse below reports in the same words).
        }

        unique = false;
        using var document = JsonDocument.Parse(json);
        return ToNode(document.RootElement);
    }

    private static readonly JsonDocumentOptions NoDuplicates = new() { AllowDuplicateProperties = false };

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

    private static void Walk(ModelSchema schema, JsonObject obj, FieldPath path, List<string> found)
    {
        foreach (var (name, value) in obj)
        {
            if (!schema.Fields.TryGetValue(name, out var field))
            {
                path.PushField(name);
                found.Add(path.Format(leadingDot: true));
                path.Pop();
                continue;
            }

            var nested = field.Nested;
            if (nested is null || value is null)
            {
                continue;
            }

            path.PushField(name);
            switch (field.Shape)
            {
                case FieldShape.Object when value is JsonObject child:
                    Walk(nested, child, path, found);
                    break;
                case FieldShape.List when value is JsonArray items:
                    for (var i = 0; i < items.Count; i++)
                    {
                        if (items[i] is JsonObject item)
                        {
                            path.PushIndex(i);
                            Walk(nested, item, path, found);
                            path.Pop();
                        }
                    }

                    break;
                case FieldShape.Map when value is JsonObject map:
                    foreach (var (key, entry) in map)
                    {
                        if (entry is JsonObject item)
                        {
                            path.PushKey(key);
                            Walk(nested, item, path, found);
                            path.Pop();
                        }
                    }

                    break;
            }

            path.Pop();
        }
    }

    // A frame remembers where in its parent it starts; its path is formatted only for a duplicate.
    private static Frame Enter(Stack<Frame> stack, bool isArray)
    {
        if (stack.Count == 0)
        {
            return new Frame(null, null, 0, isArray);
        }

        var parent = stack.Peek();
        return new Frame(parent, parent.Property, parent.Index, isArray);
    }

    private static void CompleteValue(Stack<Frame> stack)
    {
        if (stack.Count > 0 && stack.Peek().IsArray)
        {
            stack.Peek().Index++;
        }
    }

    private sealed class Frame(Frame? parent, string? property, int index, bool isArray)
    {
        public bool IsArray { get; } = isArray;

        public HashSet<string>? Keys { get; set; }

        public string? Property { get; set; }

        public int Index { get; set; }

        public string Path() =>
            parent is null ? "" : parent.IsArray ? $"{parent.Path()}[{index}]" : $"{parent.Path()}.{property}";
    }
}
