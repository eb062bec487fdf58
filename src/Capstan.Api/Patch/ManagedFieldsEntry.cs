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
        _apiVersion = apiVersion;
        Subresource = subresource;
        _time = time;
        _fields = fields;
    }

    // An entry read from JSON already in the form ToJson writes: its fieldsV1 is decoded only when asked for, and while
    // the entry is unchanged ToJson copies the source instead of encoding the set again (most entries of most writes).
    private ManagedFieldsEntry(string manager, string operation, string? apiVersion, string? subresource, string? time, JsonObject canonicalSource)
    {
        Manager = manager;
        Operation = operation;
        _apiVersion = apiVersion;
        Subresource = subresource;
        _time = time;
        _source = canonicalSource;
    }

    private JsonObject? _source;

    // The source's manager, operation and subresource still hold, its apiVersion or time no longer: ToJson encodes the
    // entry around a copy of the source's fieldsV1.
    private bool _headerChanged;
    private FieldSet? _fields;
    private string? _apiVersion;
    private string? _time;

    public string Manager { get; }

    /// <summary>"Apply" or "Update".</summary>
    public string Operation { get; }

    public string? ApiVersion
    {
        get => _apiVersion;
        set
        {
            if (value != _apiVersion)
            {
                _apiVersion = value;
                _headerChanged = true;
            }
        }
    }

    public string? Subresource { get; }

    /// <summary>RFC 3339 time of the last change by this manager, as stored.</summary>
    public string? Time
    {
        get => _time;
        set
        {
            if (value != _time)
            {
                _time = value;
                _headerChanged = true;
            }
        }
    }

    /// <summary>The decoded fieldsV1; once asked for, the entry is encoded afresh (the caller may change the set).</summary>
    public FieldSet Fields
    {
        get
        {
            Decode();
            return _fields!;
        }

        set
        {
            _fields = value;
            _source = null;
        }
    }

    // From here on the entry is its decoded set, encoded afresh by ToJson.
    private void Decode()
    {
        if (_source is not null)
        {
            _fields = FieldSet.FromFieldsV1((JsonObject)_source["fieldsV1"]!);
            _source = null;
        }
    }

    /// <summary>True when the entry owns no field (<see cref="Write"/> leaves such entries out).</summary>
    public bool IsEmpty => _source is null && Fields.IsEmpty;

    /// <summary>Removes <paramref name="paths"/> from the entry's set; an entry that holds none of them stays as read.</summary>
    public void ExceptWith(FieldSet paths)
    {
        if (_source is not null && !SharesPath((JsonObject)_source["fieldsV1"]!, paths))
        {
            return;
        }

        Fields.ExceptWith(paths);
    }

    /// <summary>Adds <paramref name="paths"/> to the entry's set; an entry that holds all of them already stays as read.</summary>
    public void UnionWith(FieldSet paths)
    {
        if (_source is not null && HoldsAll((JsonObject)_source["fieldsV1"]!, paths))
        {
            return;
        }

        Fields.UnionWith(paths);
    }

    /// <summary>Managers are told apart by name, operation and subresource, as Kubernetes does.</summary>
    public bool IsSameManager(string manager, string operation, string? subresource) =>
        Manager == manager && Operation == operation && (Subresource ?? string.Empty) == (subresource ?? string.Empty);

    /// <summary>Reads the entries of <c>metadata.managedFields</c>; malformed entries are skipped. Null when the object has none.</summary>
    public static List<ManagedFieldsEntry>? Read(JsonObject? obj) => Read(obj, stored: false);

    /// <summary>As <see cref="Read(JsonObject?)"/>.</summary>
    /// <param name="stored">
    /// True when the entries are as the server wrote them (<see cref="ToJson()"/>): an entry of the right shape is then
    /// taken as read without walking its whole fieldsV1 to check its form, which would build the tree of every node of it.
    /// Entries a client supplied must be read with false.
    /// </param>
    internal static List<ManagedFieldsEntry>? Read(JsonObject? obj, bool stored)
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
                if (IsCanonical(e, checkFields: !stored))
                {
                    entries.Add(new ManagedFieldsEntry(manager, operation, Text(e, "apiVersion"), Text(e, "subresource"), Text(e, "time"), e));
                    continue;
                }

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
        new(entries.Where(e => !e.IsEmpty).Select(e => (JsonNode?)e.ToJson()).ToArray());

    public static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public JsonObject ToJson()
    {
        if (_source is not null)
        {
            // Read in exactly the form written below and its set unchanged since: the same JSON, or the same fieldsV1.
            return _headerChanged
                ? Encode(Manager, Operation, ApiVersion, Subresource, Time, (JsonObject)_source["fieldsV1"]!.DeepClone())
                : (JsonObject)_source.DeepClone();
        }

        return Encode(Manager, Operation, ApiVersion, Subresource, Time, _fields!.ToFieldsV1());
    }

    /// <summary>An entry's JSON, in the server's own form, around an already encoded <paramref name="fieldsV1"/>.</summary>
    internal static JsonObject Encode(string manager, string operation, string? apiVersion, string? subresource, string? time, JsonObject fieldsV1)
    {
        var obj = new JsonObject
        {
            ["manager"] = manager,
            ["operation"] = operation,
        };
        if (apiVersion is not null)
        {
            obj["apiVersion"] = apiVersion;
        }

        if (time is not null)
        {
            obj["time"] = time;
        }

        obj["fieldsType"] = "FieldsV1";
        obj["fieldsV1"] = fieldsV1;
        if (!string.IsNullOrEmpty(subresource))
        {
            obj["subresource"] = subresource;
        }

        return obj;
    }

    private static string? Text(JsonObject obj, string name) =>
        obj[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    // True when ToJson of the entry as read would give back `e` itself: exactly the properties ToJson writes, in its order,
    // with string values, and a non-empty fieldsV1 in the form FieldSet.ToFieldsV1 writes (its form is taken on trust
    // unless `checkFields`).
    private static bool IsCanonical(JsonObject e, bool checkFields)
    {
        var expected = new List<string>(7) { "manager", "operation" };
        if (e.ContainsKey("apiVersion"))
        {
            expected.Add("apiVersion");
        }

        if (e.ContainsKey("time"))
        {
            expected.Add("time");
        }

        expected.Add("fieldsType");
        expected.Add("fieldsV1");
        if (e.ContainsKey("subresource"))
        {
            expected.Add("subresource");
        }

        if (e.Count != expected.Count)
        {
            return false;
        }

        var i = 0;
        foreach (var (name, value) in e)
        {
            if (name != expected[i++])
            {
                return false;
            }

            var ok = name switch
            {
                "fieldsV1" => value is JsonObject { Count: > 0 } fields && (!checkFields || IsCanonicalFields(fields)),
                "fieldsType" => Text(e, name) == "FieldsV1",
                "subresource" => !string.IsNullOrEmpty(Text(e, name)),
                _ => Text(e, name) is not null,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    // As FieldSet.ToFieldsV1 writes a set: "." (only beside other keys, as {}), then normalized elements in ordinal order,
    // each an object: {} for a leaf, else its own members and children.
    private static bool IsCanonicalFields(JsonObject node)
    {
        string? previous = null;
        var hasSelf = false;
        foreach (var (key, value) in node)
        {
            if (value is not JsonObject child)
            {
                return false;
            }

            if (key == ".")
            {
                if (previous is not null || child.Count != 0)
                {
                    return false;
                }

                hasSelf = true;
                previous = key;
                continue;
            }

            if ((previous is not null && string.CompareOrdinal(previous, key) >= 0) || PathElements.Normalize(key) != key)
            {
                return false;
            }

            if (child.Count > 0 && !IsCanonicalFields(child))
            {
                return false;
            }

            previous = key;
        }

        // "." alone would be written as {}.
        return !hasSelf || node.Count > 1;
    }

    // Whether a node of a canonical fieldsV1 is itself in the set: a leaf ({}) or a node that marks itself with ".".
    private static bool IsMember(JsonObject node) => node.Count == 0 || node.ContainsKey(".");

    // Whether the set this fieldsV1 (canonical) encodes holds every path of `paths`.
    private static bool HoldsAll(JsonObject fieldsV1, FieldSet paths)
    {
        foreach (var (element, child) in paths.Children)
        {
            if (!fieldsV1.TryGetPropertyValue(element, out var node) || node is not JsonObject raw)
            {
                return false;
            }

            // A leaf holds nothing below it, so the recursion fails there if the paths go deeper.
            if ((child.IsMember && !IsMember(raw)) || !HoldsAll(raw, child))
            {
                return false;
            }
        }

        return true;
    }

    // Whether the set this fieldsV1 (canonical) encodes holds any path of `paths`.
    private static bool SharesPath(JsonObject fieldsV1, FieldSet paths)
    {
        foreach (var (element, child) in paths.Children)
        {
            if (!fieldsV1.TryGetPropertyValue(element, out var node) || node is not JsonObject raw)
            {
                continue;
            }

            if (child.IsMember && IsMember(raw))
            {
                return true;
            }

            if (raw.Count > 0 && SharesPath(raw, child))
            {
                return true;
            }
        }

        return false;
    }
}
