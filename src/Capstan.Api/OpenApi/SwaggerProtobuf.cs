using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Capstan.Api.OpenApi;

/// <summary>
/// Encodes our Swagger 2.0 document as the protobuf message kubectl asks <c>/openapi/v2</c> for
/// (<c>application/com.github.proto-openapi.spec.v2@v1.0+protobuf</c>: the <c>openapi.v2.Document</c> message of google/gnostic).
/// Only the parts of Swagger our documents use are encoded. Extension values travel as YAML text; JSON is valid YAML.
/// </summary>
internal static class SwaggerProtobuf
{
    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] Encode(JsonObject document)
    {
        var w = new ProtoWriter();
        w.String(1, Str(document["swagger"]));
        if (document["info"] is JsonObject info)
        {
            w.Message(2, i =>
            {
                i.String(1, Str(info["title"]));
                i.String(2, Str(info["version"]));
            });
        }

        if (document["paths"] is JsonObject paths)
        {
            w.Message(8, p =>
            {
                foreach (var (path, item) in paths)
                {
                    p.Message(2, named =>
                    {
                        named.String(1, path);
                        named.Message(2, v => PathItem(v, item!.AsObject()));
                    });
                }
            });
        }

        if (document["definitions"] is JsonObject definitions)
        {
            w.Message(9, d => NamedSchemas(d, 1, definitions));
        }

        if (document["security"] is JsonArray security)
        {
            foreach (var requirement in security.OfType<JsonObject>())
            {
                w.Message(12, r =>
                {
                    foreach (var (name, scopes) in requirement)
                    {
                        r.Message(1, named =>
                        {
                            named.String(1, name);
                            named.Message(2, a => Strings(a, 1, scopes));
                        });
                    }
                });
            }
        }

        if (document["securityDefinitions"] is JsonObject securityDefinitions)
        {
            w.Message(13, s =>
            {
                foreach (var (name, definition) in securityDefinitions)
                {
                    s.Message(1, named =>
                    {
                        named.String(1, name);
                        named.Message(2, item => item.Message(2, key =>
                        {
                            key.String(1, Str(definition!["type"]));
                            key.String(2, Str(definition["name"]));
                            key.String(3, Str(definition["in"]));
                            key.String(4, Str(definition["description"]));
                        }));
                    });
                }
            });
        }

        return w.ToArray();
    }

    private static void PathItem(ProtoWriter w, JsonObject item)
    {
        foreach (var (method, field) in new[] { ("get", 2), ("put", 3), ("post", 4), ("delete", 5), ("patch", 8) })
        {
            if (item[method] is JsonObject operation)
            {
                w.Message(field, o => Operation(o, operation));
            }
        }

        Parameters(w, 9, item["parameters"]);
    }

    private static void Operation(ProtoWriter w, JsonObject operation)
    {
        Strings(w, 1, operation["tags"]);
        w.String(3, Str(operation["description"]));
        w.String(5, Str(operation["operationId"]));
        Strings(w, 6, operation["produces"]);
        Strings(w, 7, operation["consumes"]);
        Parameters(w, 8, operation["parameters"]);
        if (operation["responses"] is JsonObject responses)
        {
            w.Message(9, r =>
            {
                foreach (var (code, response) in responses)
                {
                    r.Message(1, named =>
                    {
                        named.String(1, code);
                        named.Message(2, value => value.Message(1, resp =>
                        {
                            resp.String(1, Str(response!["description"]));
                            if (response["schema"] is JsonObject schema)
                            {
                                resp.Message(2, item => item.Message(1, s => Schema(s, schema)));
                            }
                        }));
                    });
                }
            });
        }

        Strings(w, 10, operation["schemes"]);
        Extensions(w, 13, operation);
    }

    private static void Parameters(ProtoWriter w, int field, JsonNode? parameters)
    {
        if (parameters is not JsonArray list)
        {
            return;
        }

        foreach (var parameter in list.OfType<JsonObject>())
        {
            w.Message(field, item => item.Message(1, p =>
            {
                var location = Str(parameter["in"]);
                if (location == "body")
                {
                    p.Message(1, body =>
                    {
                        body.String(1, Str(parameter["description"]));
                        body.String(2, Str(parameter["name"]));
                        body.String(3, location);
                        body.Bool(4, Bool(parameter["required"]));
                        if (parameter["schema"] is JsonObject schema)
                        {
                            body.Message(5, s => Schema(s, schema));
                        }
                    });
                    return;
                }

                // Query and path sub-schemas share the leading fields; type and uniqueItems sit one number apart.
                var isPath = location == "path";
                p.Message(2, nonBody => nonBody.Message(isPath ? 4 : 3, sub =>
                {
                    sub.Bool(1, Bool(parameter["required"]));
                    sub.String(2, location);
                    sub.String(3, Str(parameter["description"]));
                    sub.String(4, Str(parameter["name"]));
                    sub.String(isPath ? 5 : 6, Str(parameter["type"]));
                    sub.Bool(isPath ? 19 : 20, Bool(parameter["uniqueItems"]));
                }));
            }));
        }
    }

    private static void Schema(ProtoWriter w, JsonObject schema)
    {
        w.String(1, Str(schema["$ref"]));
        w.String(2, Str(schema["format"]));
        w.String(4, Str(schema["description"]));
        if (schema["default"] is { } defaultValue)
        {
            w.Message(5, any => any.String(2, Yaml(defaultValue)));
        }

        Strings(w, 19, schema["required"]);
        if (schema["additionalProperties"] is JsonObject additional)
        {
            w.Message(21, item => item.Message(1, s => Schema(s, additional)));
        }

        if (schema["type"] is { } type)
        {
            w.Message(22, t => t.RepeatedString(1, Str(type)!));
        }

        if (schema["items"] is JsonObject items)
        {
            w.Message(23, item => item.Message(1, s => Schema(s, items)));
        }

        if (schema["allOf"] is JsonArray allOf)
        {
            foreach (var part in allOf.OfType<JsonObject>())
            {
                w.Message(24, s => Schema(s, part));
            }
        }

        if (schema["properties"] is JsonObject properties)
        {
            w.Message(25, p => NamedSchemas(p, 1, properties));
        }

        Extensions(w, 31, schema);
    }

    private static void NamedSchemas(ProtoWriter w, int field, JsonObject schemas)
    {
        foreach (var (name, schema) in schemas)
        {
            w.Message(field, named =>
            {
                named.String(1, name);
                named.Message(2, s => Schema(s, schema!.AsObject()));
            });
        }
    }

    private static void Extensions(ProtoWriter w, int field, JsonObject owner)
    {
        foreach (var (key, value) in owner)
        {
            if (key.StartsWith("x-", StringComparison.Ordinal) && value is not null)
            {
                w.Message(field, named =>
                {
                    named.String(1, key);
                    named.Message(2, any => any.String(2, Yaml(value)));
                });
            }
        }
    }

    private static void Strings(ProtoWriter w, int field, JsonNode? values)
    {
        if (values is JsonArray array)
        {
            foreach (var value in array)
            {
                w.RepeatedString(field, Str(value) ?? "");
            }
        }
    }

    /// <summary>YAML text of a value, followed by a newline as YAML encoders end documents.</summary>
    private static string Yaml(JsonNode value) => JsonSerializer.Serialize(value, Compact) + "\n";

    private static string? Str(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static bool Bool(JsonNode? node) => node is JsonValue v && v.TryGetValue<bool>(out var b) && b;
}
