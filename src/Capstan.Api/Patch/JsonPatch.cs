using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Capstan.Api.Patch;

/// <summary>RFC 6902 JSON Patch (<c>application/json-patch+json</c>).</summary>
public static class JsonPatch
{
    /// <summary>Parses <paramref name="patchJson"/> and applies it; see <see cref="Apply(JsonNode?, JsonNode?)"/>.</summary>
    public static JsonNode? Apply(JsonNode? document, string patchJson)
    {
        JsonNode? patch;
        try
        {
            patch = JsonNode.Parse(patchJson);
        }
        catch (JsonException e)
        {
            throw PatchException.Bad($"invalid JSON patch: {e.Message}");
        }

        return Apply(document, patch);
    }

    /// <summary>
    /// Applies the operations in order to a copy of <paramref name="document"/> and returns the copy; the input is not changed.
    /// Throws <see cref="PatchException"/> (BadRequest for a malformed patch, Invalid when an operation cannot be applied).
    /// </summary>
    public static JsonNode? Apply(JsonNode? document, JsonNode? patch)
    {
        if (patch is not JsonArray operations)
        {
            throw PatchException.Bad("invalid JSON patch: the patch must be a JSON array of operations");
        }

        var doc = document?.DeepClone();
        for (var i = 0; i < operations.Count; i++)
        {
            if (operations[i] is not JsonObject op)
            {
                throw PatchException.Bad($"invalid JSON patch: operation {i} is not an object");
            }

            doc = ApplyOperation(doc, op, i);
        }

        return doc;
    }

    private static JsonNode? ApplyOperation(JsonNode? doc, JsonObject op, int index)
    {
        var name = RequiredString(op, "op", index);
        var path = JsonPointer.Parse(RequiredString(op, "path", index));
        switch (name)
        {
            case "add":
                return Add(doc, path, RequiredValue(op, index)?.DeepClone());
            case "remove":
                Remove(ref doc, path);
                return doc;
            case "replace":
                return Replace(doc, path, RequiredValue(op, index)?.DeepClone());
            case "move":
            {
                var from = JsonPointer.Parse(RequiredString(op, "from", index));
                if (from.IsProperPrefixOf(path))
                {
                    throw PatchException.Invalid($"cannot move \"{from.Text}\" into its own child \"{path.Text}\"");
                }

                var value = Remove(ref doc, from);
                return Add(doc, path, value);
            }

            case "copy":
            {
                var from = JsonPointer.Parse(RequiredString(op, "from", index));
                return Add(doc, path, Get(doc, from)?.DeepClone());
            }

            case "test":
            {
                var expected = RequiredValue(op, index);
                var actual = Get(doc, path);
                if (!JsonNode.DeepEquals(actual, expected))
                {
                    throw PatchException.Invalid($"the test operation failed: the value at \"{path.Text}\" is {Show(actual)}, not {Show(expected)}");
                }

                return doc;
            }

            default:
                throw PatchException.Bad($"invalid JSON patch: operation {index} has unknown op \"{name}\"");
        }
    }

    private static JsonNode? Add(JsonNode? doc, JsonPointer path, JsonNode? value)
    {
        if (path.IsRoot)
        {
            return value;
        }

        var parent = Parent(doc, path);
        var last = path.Tokens[^1];
        switch (parent)
        {
            case JsonObject obj:
                obj[last] = value;
                break;
            case JsonArray arr:
                if (last == "-")
                {
                    arr.Add(value);
                }
                else
                {
                    arr.Insert(ArrayIndex(arr, last, path, allowEnd: true), value);
                }

                break;
            default:
                throw PatchException.Invalid($"cannot add at \"{path.Text}\": the parent is not an object or array");
        }

        return doc;
    }

    private static JsonNode? Replace(JsonNode? doc, JsonPointer path, JsonNode? value)
    {
        if (path.IsRoot)
        {
            return value;
        }

        var parent = Parent(doc, path);
        var last = path.Tokens[^1];
        switch (parent)
        {
            case JsonObject obj when obj.ContainsKey(last):
                obj[last] = value;
                break;
            case JsonArray arr:
                arr[ArrayIndex(arr, last, path, allowEnd: false)] = value;
                break;
            default:
                throw PatchException.Invalid($"cannot replace \"{path.Text}\": the path does not exist");
        }

        return doc;
    }

    private static JsonNode? Remove(ref JsonNode? doc, JsonPointer path)
    {
        if (path.IsRoot)
        {
            var old = doc;
            doc = null;
            return old;
        }

        var parent = Parent(doc, path);
        var last = path.Tokens[^1];
        switch (parent)
        {
            case JsonObject obj when obj.TryGetPropertyValue(last, out var value):
                obj.Remove(last);
                return value;
            case JsonArray arr:
            {
                var i = ArrayIndex(arr, last, path, allowEnd: false);
                var value = arr[i];
                arr.RemoveAt(i);
                return value;
            }

            default:
                throw PatchException.Invalid($"cannot remove \"{path.Text}\": the path does not exist");
        }
    }

    private static JsonNode? Get(JsonNode? doc, JsonPointer path)
    {
        var node = doc;
        foreach (var token in path.Tokens)
        {
            node = Step(node, token, path);
        }

        return node;
    }

    private static JsonNode Parent(JsonNode? doc, JsonPointer path)
    {
        var node = doc;
        for (var i = 0; i < path.Tokens.Count - 1; i++)
        {
            node = Step(node, path.Tokens[i], path);
        }

        return node ?? throw PatchException.Invalid($"the path \"{path.Text}\" does not exist");
    }

    private static JsonNode? Step(JsonNode? node, string token, JsonPointer path) => node switch
    {
        JsonObject obj when obj.TryGetPropertyValue(token, out var child) => child,
        JsonArray arr => arr[ArrayIndex(arr, token, path, allowEnd: false)],
        _ => throw PatchException.Invalid($"the path \"{path.Text}\" does not exist"),
    };

    private static int ArrayIndex(JsonArray arr, string token, JsonPointer path, bool allowEnd)
    {
        // RFC 6901: decimal digits, no leading zeros; "-" only where a new element may go.
        var valid = token.Length > 0 && token.All(char.IsAsciiDigit) && (token.Length == 1 || token[0] != '0');
        if (!valid || !int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var i))
        {
            throw PatchException.Invalid($"the path \"{path.Text}\" does not exist: \"{token}\" is not an array index");
        }

        if (i > arr.Count || (!allowEnd && i == arr.Count))
        {
            throw PatchException.Invalid($"the path \"{path.Text}\" does not exist: index {i} is out of range (array length {arr.Count})");
        }

        return i;
    }

    private static string RequiredString(JsonObject op, string member, int index) =>
        op.TryGetPropertyValue(member, out var v) && v is JsonValue value && value.TryGetValue<string>(out var s)
            ? s
            : throw PatchException.Bad($"invalid JSON patch: operation {index} is missing the string member \"{member}\"");

    private static JsonNode? RequiredValue(JsonObject op, int index) =>
        op.TryGetPropertyValue("value", out var v)
            ? v
            : throw PatchException.Bad($"invalid JSON patch: operation {index} is missing \"value\"");

    private static string Show(JsonNode? node) => node?.ToJsonString() ?? "null";
}
