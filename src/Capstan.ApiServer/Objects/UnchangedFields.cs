using System.Text.Json.Nodes;

namespace Capstan.ApiServer.Objects;

/// <summary>
/// Takes the fields two versions of an object share (equal values under the same name) out of both, for as long as a
/// comparison that only cares about differences runs, then puts them back where they were (JSON property order kept).
/// Top-level fields other than apiVersion, kind and metadata go when equal; inside the top-level objects that differ
/// (spec, status) equal fields go too, but one always stays so that neither object becomes empty (an empty object is
/// a value of its own to server-side apply's field sets, a non-empty one is not).
/// </summary>
internal sealed class UnchangedFields
{
    private readonly List<Entry> _entries = [];

    private UnchangedFields()
    {
    }

    private readonly record struct Entry(JsonObject Old, JsonObject Updated, int OldIndex, int UpdatedIndex, string Name, JsonNode? OldValue, JsonNode? UpdatedValue);

    public static UnchangedFields Detach(JsonObject old, JsonObject updated)
    {
        var detached = new UnchangedFields();
        var nested = new List<(JsonObject Old, JsonObject Updated)>();
        foreach (var (name, value) in updated)
        {
            if (name is "apiVersion" or "kind" or "metadata" || !old.TryGetPropertyValue(name, out var oldValue))
            {
                continue;
            }

            if (JsonNode.DeepEquals(oldValue, value))
            {
                detached.Collect(old, updated, name);
            }
            else if (oldValue is JsonObject oldChild && value is JsonObject updatedChild)
            {
                nested.Add((oldChild, updatedChild));
            }
        }

        foreach (var (oldChild, updatedChild) in nested)
        {
            var equal = new List<string>();
            foreach (var (name, value) in updatedChild)
            {
                if (oldChild.TryGetPropertyValue(name, out var oldValue) && JsonNode.DeepEquals(oldValue, value))
                {
                    equal.Add(name);
                }
            }

            // Keep the first equal field in both, so neither side is left empty.
            foreach (var name in equal.Skip(1))
            {
                detached.Collect(oldChild, updatedChild, name);
            }
        }

        detached.RemoveAll();
        return detached;
    }

    private void Collect(JsonObject old, JsonObject updated, string name)
    {
        _entries.Add(new Entry(old, updated, old.IndexOf(name), updated.IndexOf(name), name, old[name], updated[name]));
    }

    private void RemoveAll()
    {
        foreach (var entry in _entries)
        {
            entry.Old.Remove(entry.Name);
            entry.Updated.Remove(entry.Name);
        }
    }

    /// <summary>Puts every detached field back at its former position.</summary>
    public void Restore()
    {
        // Ascending original positions per object: each goes back where it was, as everything before it is back already.
        foreach (var group in _entries.GroupBy(e => e.Old))
        {
            foreach (var entry in group.OrderBy(e => e.OldIndex))
            {
                entry.Old.Insert(entry.OldIndex, entry.Name, entry.OldValue);
            }
        }

        foreach (var group in _entries.GroupBy(e => e.Updated))
        {
            foreach (var entry in group.OrderBy(e => e.UpdatedIndex))
            {
                entry.Updated.Insert(entry.UpdatedIndex, entry.Name, entry.UpdatedValue);
            }
        }
    }
}
