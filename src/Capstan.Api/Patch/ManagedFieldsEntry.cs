using System.Globalization;
using System.Text.Json.Nodes;

namespace Capstan.Api.Patch;

/// <summary>One <c>metadata.managedFields</c> entry, with its fieldsV1 decoded into a <see cref="FieldSet"/>.</summary>
public sealed class ManagedFieldsEntry
{
    public ManagedFieldsEntry(string manager, string operation, string? apiVersion, string? subresource, string? time, FieldSet fields)
    {
        Manager = manager;
        Operation = operation;
        ApiVersion = apiVersion;
        Subresource = subresource;
        Time = time;
        Fields = fields;
    }

    public string Manager { get; }

    /// <summary>"Apply" or "Update".</summary>
    public string Operation { get; }

    public string? ApiVersion { get; set; }

    public string? Subresource { get; }

    /// <summary>RFC 3339 time of the last change by this manager, as stored.</summary>
    public string? Time { get; set; }

    public FieldSet Fields { get; set; }

    /// <summary>Managers are told apart by name, operation and subresource, as Kubernetes does.</summary>
    public bool IsSameManager(string manager, string operation, string? subresource) =>
        Manager == manager && Operation == operation && (Subresource ?? string.Empty) == (subresource ?? string.Empty);

    /// <summary>Reads the entries of <c>metadata.managedFields</c>; malformed entries are skipped. Null when the object has none.</summary>
    public static List<ManagedFieldsEntry>? Read(JsonObject? obj)
    {
        if (obj?["metadata"] is not JsonObject metadata || metadata["managedFields"] is not JsonArray list)
        {
            return null;
        }

        var entries = new List<ManagedFieldsEntry>();
        foreach (var item in list)
        {
            if (item is JsonObject e && Text(e, "manager") is { } manager && Text(e, "operation") is { } operation)
            {
                var fields = e["fieldsV1"] is JsonObject f ? FieldSet.FromFieldsV1(f) : new FieldSet();
                entries.Add(new ManagedFieldsEntry(manager, operation, Text(e, "apiVersion"), Text(e, "subresource"), Text(e, "time"), fields));
            }
        }

        return entries;
    }

    /// <summary>Writes <paramref name="entries"/> (those with fields) to <c>metadata.managedFields</c>, or removes it when none are left.</summary>
    public static void Write(JsonObject obj, IEnumerable<ManagedFieldsEntry> entries)
    {
        var list = ToJson(entries);
        if (obj["metadata"] is not JsonObject metadata)
        {
            if (list.Count == 0)
            {
                return;
            }

            metadata = new JsonObject();
            obj["metadata"] = metadata;
        }

        if (list.Count == 0)
        {
            metadata.Remove("managedFields");
        }
        else
        {
            metadata["managedFields"] = list;
        }
    }

    /// <summary>The <c>metadata.managedFields</c> list of <paramref name="entries"/>: those with fields, in order.</summary>
    public static JsonArray ToJson(IEnumerable<ManagedFieldsEntry> entries) =>
        new(entries.Where(e => !e.Fields.IsEmpty).Select(e => (JsonNode?)e.ToJson()).ToArray());

    public static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public JsonObject ToJson()
    {
        var obj = new JsonObject
        {
            ["manager"] = Manager,
            ["operation"] = Operation,
        };
        if (ApiVersion is not null)
        {
            obj["apiVersion"] = ApiVersion;
        }

        if (Time is not null)
        {
            obj["time"] = Time;
        }

        obj["fieldsType"] = "FieldsV1";
        obj["fieldsV1"] = Fields.ToFieldsV1();
        if (!string.IsNullOrEmpty(Subresource))
        {
            obj["subresource"] = Subresource;
        }

        return obj;
    }

    private static string? Text(JsonObject obj, string name) =>
        obj[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
