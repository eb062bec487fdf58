using System.Text.Json.Nodes;
using Capstan.Api.Registry;
using k8s.Models;

namespace Capstan.Api.OpenApi;

/// <summary>
/// Writes the REST paths and operations of served resources, with the extensions and query parameters kubectl reads:
/// <c>x-kubernetes-action</c>, <c>x-kubernetes-group-version-kind</c>, and <c>dryRun</c>/<c>fieldManager</c>/<c>fieldValidation</c>
/// on the writing operations, from which kubectl concludes the server validates fields and supports dry runs.
/// </summary>
public sealed class PathWriter
{
    private static readonly string[] ObjectMediaTypes = ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"];
    private static readonly string[] WatchMediaTypes =
        ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf", "application/json;stream=watch", "application/vnd.kubernetes.protobuf;stream=watch"];

    private static readonly string[] PatchMediaTypes =
        ["application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json"];

    private readonly SchemaWriter _schemas;
    private readonly OpenApiFlavor _flavor;
    private readonly SortedDictionary<string, JsonObject> _paths = new(StringComparer.Ordinal);

    public PathWriter(SchemaWriter schemas, OpenApiFlavor flavor)
    {
        _schemas = schemas;
        _flavor = flavor;
    }

    /// <summary>The paths written so far, sorted.</summary>
    public JsonObject ToJson()
    {
        var paths = new JsonObject();
        foreach (var (path, item) in _paths)
        {
            paths[path] = item;
        }

        return paths;
    }

    /// <summary>Writes every path of a resource: collection, item, watch, and the status and scale subresources.</summary>
    public void Add(ResourceInfo resource)
    {
        if (resource.ModelType is null)
        {
            return;
        }

        var model = resource.ModelType;
        var list = model.Assembly.GetType($"{model.FullName}List");
        var gvk = Gvk(resource.Group, resource.Version, resource.Kind);
        var ids = new OperationIds(resource);
        var prefix = resource.Group.Length == 0 ? "/api/v1" : $"/apis/{resource.Group}/{resource.Version}";
        var scope = resource.Namespaced ? $"/namespaces/{{namespace}}/{resource.Plural}" : $"/{resource.Plural}";
        var collection = prefix + scope;
        var item = collection + "/{name}";
        string[] collectionParams = resource.Namespaced ? ["namespace", "pretty"] : ["pretty"];
        string[] itemParams = resource.Namespaced ? ["name", "namespace", "pretty"] : ["name", "pretty"];
        bool Can(string verb) => resource.Verbs.Contains(verb);

        var collectionOps = new List<(string, JsonObject)>();
        if (Can("list") && list is not null)
        {
            collectionOps.Add(("get", Operation(ids.Id("list"), $"List or watch the {resource.Plural}.", "list", gvk, ids.Tag,
                ListParameters(), null, Responses(list, ObjectMediaTypes.Concat(WatchMediaTypes[3..]), "200"))));
        }

        if (Can("create"))
        {
            collectionOps.Add(("post", Operation(ids.Id("create"), $"Create a {resource.Kind}.", "post", gvk, ids.Tag,
                WriteParameters(), Body(_schemas.RefTo(model), ["*/*"]), Responses(model, ObjectMediaTypes, "200", "201", "202"))));
        }

        if (Can("deletecollection"))
        {
            collectionOps.Add(("delete", Operation(ids.Id("deletecollection"), $"Delete a collection of {resource.Plural}.", "deletecollection", gvk, ids.Tag,
                DeleteCollectionParameters(), Body(_schemas.RefTo(typeof(V1DeleteOptions)), ["*/*"]), Responses(typeof(V1Status), ObjectMediaTypes, "200"))));
        }

        AddPath(collection, collectionParams, collectionOps);

        var itemOps = new List<(string, JsonObject)>();
        if (Can("get"))
        {
            itemOps.Add(("get", Operation(ids.Id("read"), $"Read the specified {resource.Kind}.", "get", gvk, ids.Tag,
                [], null, Responses(model, ObjectMediaTypes, "200"))));
        }

        if (Can("update"))
        {
            itemOps.Add(("put", Operation(ids.Id("replace"), $"Replace the specified {resource.Kind}.", "put", gvk, ids.Tag,
                WriteParameters(), Body(_schemas.RefTo(model), ["*/*"]), Responses(model, ObjectMediaTypes, "200", "201"))));
        }

        if (Can("patch"))
        {
            itemOps.Add(("patch", Operation(ids.Id("patch"), $"Partially update the specified {resource.Kind}.", "patch", gvk, ids.Tag,
                PatchParameters(), PatchBody(), Responses(model, ObjectMediaTypes, "200", "201"))));
        }

        if (Can("delete"))
        {
            itemOps.Add(("delete", Operation(ids.Id("delete"), $"Delete a {resource.Kind}.", "delete", gvk, ids.Tag,
                DeleteParameters(), Body(_schemas.RefTo(typeof(V1DeleteOptions)), ["*/*"]), Responses(typeof(V1Status), ObjectMediaTypes, "200", "202"))));
        }

        AddPath(item, itemParams, itemOps);

        if (Can("watch"))
        {
            AddPath(prefix + "/watch" + scope, collectionParams.Concat(ListParameterNames).ToArray(),
            [
                ("get", Operation(ids.Id("watchlist"), $"Watch changes to a list of {resource.Plural}. Deprecated: use the watch parameter of the list operation.",
                    "watchlist", gvk, ids.Tag, [], null, Responses(typeof(V1WatchEvent), WatchMediaTypes, "200"))),
            ]);
            AddPath(prefix + "/watch" + scope + "/{name}", itemParams.Concat(ListParameterNames).ToArray(),
            [
                ("get", Operation(ids.Id("watch"), $"Watch changes to a {resource.Kind}. Deprecated: use the watch parameter with a fieldSelector on the list operation.",
                    "watch", gvk, ids.Tag, [], null, Responses(typeof(V1WatchEvent), WatchMediaTypes, "200"))),
            ]);
        }

        if (resource.Namespaced && Can("list") && list is not null)
        {
            AddPath($"{prefix}/{resource.Plural}", ["pretty", .. ListParameterNames],
            [
                ("get", Operation(ids.Id("listall"), $"List or watch the {resource.Plural} of all namespaces.", "list", gvk, ids.Tag,
                    [], null, Responses(list, ObjectMediaTypes.Concat(WatchMediaTypes[3..]), "200"))),
            ]);
            if (Can("watch"))
            {
                AddPath($"{prefix}/watch/{resource.Plural}", ["pretty", .. ListParameterNames],
                [
                    ("get", Operation(ids.Id("watchlistall"), $"Watch changes to the {resource.Plural} of all namespaces. Deprecated: use the watch parameter of the list operation.",
                        "watchlist", gvk, ids.Tag, [], null, Responses(typeof(V1WatchEvent), WatchMediaTypes, "200"))),
                ]);
            }
        }

        if (resource.HasStatus)
        {
            AddSubresource(item + "/status", itemParams, model, gvk, ids, "Status", "status");
        }

        if (resource.HasScale)
        {
            AddSubresource(item + "/scale", itemParams, typeof(V1Scale), Gvk("autoscaling", "v1", "Scale"), ids, "Scale", "scale");
        }
    }

    private void AddSubresource(string path, string[] pathParams, Type model, JsonObject gvk, OperationIds ids, string suffix, string name)
    {
        AddPath(path, pathParams,
        [
            ("get", Operation(ids.Id("read", suffix), $"Read the {name} of the specified {ids.Kind}.", "get", gvk, ids.Tag,
                [], null, Responses(model, ObjectMediaTypes, "200"))),
            ("put", Operation(ids.Id("replace", suffix), $"Replace the {name} of the specified {ids.Kind}.", "put", gvk, ids.Tag,
                WriteParameters(), Body(_schemas.RefTo(model), ["*/*"]), Responses(model, ObjectMediaTypes, "200", "201"))),
            ("patch", Operation(ids.Id("patch", suffix), $"Partially update the {name} of the specified {ids.Kind}.", "patch", gvk, ids.Tag,
                PatchParameters(), PatchBody(), Responses(model, ObjectMediaTypes, "200", "201"))),
        ]);
    }

    private void AddPath(string path, IEnumerable<string> pathParameters, List<(string Method, JsonObject Operation)> operations)
    {
        if (operations.Count == 0)
        {
            return;
        }

        var item = new JsonObject();
        foreach (var (method, operation) in operations)
        {
            item[method] = operation;
        }

        item["parameters"] = new JsonArray(pathParameters.Select(p => (JsonNode)Parameter(p)).ToArray());
        _paths[path] = item;
    }

    private JsonObject Operation(string id, string description, string action, JsonObject gvk, string tag,
        IEnumerable<string> parameters, BodySpec? body, ResponseSpec responses)
    {
        var operation = new JsonObject { ["description"] = description };
        if (_flavor == OpenApiFlavor.V2)
        {
            operation["consumes"] = Strings(body?.MediaTypes ?? ["*/*"]);
            operation["produces"] = Strings(responses.MediaTypes);
            operation["schemes"] = new JsonArray("https");
        }

        operation["tags"] = new JsonArray(tag);
        operation["operationId"] = id;

        var parameterList = new JsonArray();
        if (body is not null && _flavor == OpenApiFlavor.V2)
        {
            parameterList.Add(new JsonObject { ["name"] = "body", ["in"] = "body", ["required"] = true, ["schema"] = body.Schema.DeepClone() });
        }

        foreach (var name in parameters)
        {
            parameterList.Add(Parameter(name));
        }

        if (parameterList.Count > 0)
        {
            operation["parameters"] = parameterList;
        }

        if (body is not null && _flavor == OpenApiFlavor.V3)
        {
            operation["requestBody"] = new JsonObject { ["content"] = Content(body.Schema, body.MediaTypes), ["required"] = true };
        }

        var responseObject = new JsonObject();
        foreach (var code in responses.Codes)
        {
            var text = code switch { "201" => "Created", "202" => "Accepted", _ => "OK" };
            responseObject[code] = _flavor == OpenApiFlavor.V2
                ? new JsonObject { ["description"] = text, ["schema"] = responses.Schema.DeepClone() }
                : new JsonObject { ["description"] = text, ["content"] = Content(responses.Schema, responses.MediaTypes) };
        }

        responseObject["401"] = new JsonObject { ["description"] = "Unauthorized" };
        operation["responses"] = responseObject;
        operation["x-kubernetes-action"] = action;
        operation["x-kubernetes-group-version-kind"] = gvk.DeepClone();
        return operation;
    }

    private static JsonObject Content(JsonObject schema, IEnumerable<string> mediaTypes)
    {
        var content = new JsonObject();
        foreach (var media in mediaTypes)
        {
            content[media] = new JsonObject { ["schema"] = schema.DeepClone() };
        }

        return content;
    }

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());

    private static BodySpec Body(JsonObject schema, string[] mediaTypes) => new(schema, mediaTypes);

    private BodySpec PatchBody()
    {
        _schemas.DefineIntrinsic(DefinitionNames.Patch);
        return new BodySpec(_schemas.Ref(DefinitionNames.Patch), PatchMediaTypes);
    }

    private ResponseSpec Responses(Type model, IEnumerable<string> mediaTypes, params string[] codes) =>
        new(_schemas.RefTo(model), mediaTypes.ToArray(), codes);

    private static readonly string[] ListParameterNames =
    [
        "allowWatchBookmarks", "continue", "fieldSelector", "labelSelector", "limit", "resourceVersion", "resourceVersionMatch",
        "sendInitialEvents", "timeoutSeconds", "watch",
    ];

    private static IEnumerable<string> ListParameters() => ListParameterNames;

    private static IEnumerable<string> WriteParameters() => ["dryRun", "fieldManager", "fieldValidation"];

    private static IEnumerable<string> PatchParameters() => ["dryRun", "fieldManager", "fieldValidation", "force"];

    private static IEnumerable<string> DeleteParameters() =>
        ["dryRun", "gracePeriodSeconds", "ignoreStoreReadErrorWithClusterBreakingPotential", "orphanDependents", "propagationPolicy"];

    private static IEnumerable<string> DeleteCollectionParameters() =>
    [
        "continue", "dryRun", "fieldSelector", "gracePeriodSeconds", "ignoreStoreReadErrorWithClusterBreakingPotential", "labelSelector", "limit",
        "orphanDependents", "propagationPolicy", "resourceVersion", "resourceVersionMatch", "sendInitialEvents", "timeoutSeconds",
    ];

    private JsonObject Parameter(string name)
    {
        var (location, type, description) = QueryParameters.Describe(name);
        var parameter = new JsonObject { ["name"] = name, ["in"] = location, ["description"] = description };
        if (location == "path")
        {
            parameter["required"] = true;
        }

        if (_flavor == OpenApiFlavor.V2)
        {
            parameter["type"] = type;
            parameter["uniqueItems"] = true;
        }
        else
        {
            parameter["schema"] = new JsonObject { ["type"] = type, ["uniqueItems"] = true };
        }

        return parameter;
    }

    private static JsonObject Gvk(string group, string version, string kind) =>
        new() { ["group"] = group, ["kind"] = kind, ["version"] = version };

    /// <summary>A request body: its schema and the media types it may come in.</summary>
    private sealed record BodySpec(JsonObject Schema, string[] MediaTypes);

    /// <summary>The success responses of an operation: one schema, its media types, the status codes.</summary>
    private sealed record ResponseSpec(JsonObject Schema, string[] MediaTypes, string[] Codes);
}
