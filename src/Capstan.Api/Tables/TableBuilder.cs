using System.Text.Json.Nodes;

namespace Capstan.Api.Tables;

/// <summary>Assembles a <c>meta.k8s.io/v1</c> Table, the answer to <c>Accept: application/json;as=Table;g=meta.k8s.io;v=v1</c>.</summary>
public static class TableBuilder
{
    public const string IncludeNone = "None";
    public const string IncludeMetadata = "Metadata";
    public const string IncludeObject = "Object";

    /// <summary>
    /// Builds the Table: every column (wide ones included, as the API server does; kubectl hides priority &gt; 0),
    /// one row per object in order. Each row's <c>object</c> is a PartialObjectMetadata for <paramref name="includeObject"/>
    /// "Metadata" (also the default for null/empty), the object itself for "Object", and absent for "None".
    /// </summary>
    /// <param name="remainingItemCount">Copied into metadata when set (lists with a limit).</param>
    /// <exception cref="ArgumentException">An unknown includeObject; its message is Kubernetes' 400 text.</exception>
    public static JsonObject Build(ITableConverter converter, IEnumerable<JsonObject> objects, string? includeObject,
        string? resourceVersion, string? continueToken, long? remainingItemCount, DateTimeOffset now)
    {
        var mode = string.IsNullOrEmpty(includeObject) ? IncludeMetadata : includeObject;
        if (mode is not (IncludeNone or IncludeMetadata or IncludeObject))
        {
            throw new ArgumentException($"unrecognized includeObject value: \"{includeObject}\"", nameof(includeObject));
        }

        var metadata = new JsonObject();
        if (!string.IsNullOrEmpty(resourceVersion))
        {
            metadata["resourceVersion"] = resourceVersion;
        }

        if (!string.IsNullOrEmpty(continueToken))
        {
            metadata["continue"] = continueToken;
        }

        if (remainingItemCount is { } remaining)
        {
            metadata["remainingItemCount"] = remaining;
        }

        var columns = new JsonArray();
        foreach (var column in converter.Columns)
        {
            columns.Add(new JsonObject
            {
                ["name"] = column.Name,
                ["type"] = column.Type,
                ["format"] = column.Format,
                ["description"] = column.Description,
                ["priority"] = column.Priority,
            });
        }

        var rows = new JsonArray();
        foreach (var obj in objects)
        {
            rows.Add(Row(converter, obj, mode, now));
        }

        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = metadata,
            ["columnDefinitions"] = columns,
            ["rows"] = rows,
        };
    }

    /// <summary>The PartialObjectMetadata Kubernetes puts in a row for includeObject=Metadata.</summary>
    public static JsonObject PartialObjectMetadata(JsonObject obj) => new()
    {
        ["kind"] = "PartialObjectMetadata",
        ["apiVersion"] = "meta.k8s.io/v1",
        ["metadata"] = obj["metadata"]?.DeepClone() ?? new JsonObject(),
    };

    private static JsonObject Row(ITableConverter converter, JsonObject obj, string mode, DateTimeOffset now)
    {
        var cells = new JsonArray();
        foreach (var cell in converter.Cells(obj, now))
        {
            cells.Add(cell switch
            {
                null => null,
                string s => JsonValue.Create(s),
                bool b => JsonValue.Create(b),
                int i => JsonValue.Create((long)i),
                long l => JsonValue.Create(l),
                double d => JsonValue.Create(d),
                JsonNode n => n.DeepClone(),
                var other => JsonValue.Create(other.ToString()),
            });
        }

        var row = new JsonObject { ["cells"] = cells };
        if (converter is TableConverter builtIn && builtIn.Conditions(obj) is { } conditions)
        {
            row["conditions"] = conditions;
        }

        switch (mode)
        {
            case IncludeMetadata:
                row["object"] = PartialObjectMetadata(obj);
                break;
            case IncludeObject:
                row["object"] = obj.DeepClone();
                break;
        }

        return row;
    }
}
