using System.Text.Json.Nodes;
using Capstan.Api.Json;
using Capstan.Api.Schema;

namespace Capstan.Api.Patch;

/// <summary>
/// Server-side apply (<c>application/apply-patch+yaml</c>) and the managedFields bookkeeping of ordinary writes.
/// Ownership is tracked per manager in <c>metadata.managedFields</c> as FieldsV1 sets.
/// </summary>
public static class ServerSideApply
{
    public const string ApplyOperation = "Apply";
    public const string UpdateOperation = "Update";

    /// <summary>The manager Kubernetes credits with every field of an object that had no managedFields when it was first applied.</summary>
    public const string BeforeFirstApplyManager = "before-first-apply";

    // Fields the server owns or that identify the object; they are never part of anyone's field set.
    private static readonly string[][] IgnoredPaths =
    [
        ["f:apiVersion"], ["f:kind"],
        ["f:metadata", "f:name"], ["f:metadata", "f:namespace"], ["f:metadata", "f:uid"], ["f:metadata", "f:resourceVersion"],
        ["f:metadata", "f:generation"], ["f:metadata", "f:creationTimestamp"], ["f:metadata", "f:selfLink"],
        ["f:metadata", "f:managedFields"], ["f:metadata", "f:deletionTimestamp"], ["f:metadata", "f:deletionGracePeriodSeconds"],
    ];

    private static readonly string[] ServerMetadata =
        ["uid", "resourceVersion", "generation", "creationTimestamp", "selfLink", "managedFields", "deletionTimestamp", "deletionGracePeriodSeconds"];

    /// <summary>
    /// Applies <paramref name="applied"/> for <paramref name="manager"/> to <paramref name="live"/> (null when the object does not exist yet).
    /// The manager's Apply field set becomes exactly the fields of <paramref name="applied"/>; fields it applied before and no longer sends
    /// are removed unless another manager owns them. A field another manager owns with a different value is a conflict, unless
    /// <paramref name="force"/> moves its ownership to the applier.
    /// </summary>
    /// <param name="subresource">"status" to apply to the status subresource (only <c>status</c> is taken); null for the main resource (<c>status</c> is ignored).</param>
    /// <returns>The full object to validate and store, with updated managedFields; or the conflicts and no object.</returns>
    /// <exception cref="PatchException">The configuration sets managedFields, or a keyed list item lacks its key or repeats one.</exception>
    public static ApplyResult Apply(JsonObject? live, JsonObject applied, Type modelType, string manager, bool force, DateTimeOffset now, string? subresource = null) =>
        Apply(live, applied, ModelSchema.For(modelType), manager, force, now, subresource);

    /// <summary>
    /// As <see cref="Apply(JsonObject?, JsonObject, Type, string, bool, DateTimeOffset, string?)"/> with a schema; null (custom resources)
    /// treats every object as granular and every list as atomic.
    /// </summary>
    public static ApplyResult Apply(JsonObject? live, JsonObject applied, ModelSchema? schema, string manager, bool force, DateTimeOffset now, string? subresource = null)
    {
        if (applied["metadata"] is JsonObject appliedMetadata && appliedMetadata["managedFields"] is not null)
        {
            throw PatchException.Bad("metadata.managedFields must be nil");
        }

        var config = ScopeConfig(applied, subresource);
        var appliedSet = ScopeSet(FieldSetBuilder.Build(config, schema, strict: true), subresource);
        var apiVersion = Text(applied["apiVersion"]) ?? Text(live?["apiVersion"]);
        var time = ManagedFieldsEntry.FormatTime(now);

        if (live is null)
        {
            var created = (JsonObject)config.DeepClone();
            ManagedFieldsEntry.Write(created, [new ManagedFieldsEntry(manager, ApplyOperation, apiVersion, subresource, time, appliedSet)]);
            return new ApplyResult(created, []);
        }

        var entries = ManagedFieldsEntry.Read(live) ?? BeforeFirstApply(live, schema, subresource);
        var mine = entries.FirstOrDefault(e => e.IsSameManager(manager, ApplyOperation, subresource));
        var others = entries.Where(e => !ReferenceEquals(e, mine)).ToList();

        var conflicts = FindConflicts(live, config, appliedSet, others);
        if (conflicts.Count > 0 && !force)
        {
            return new ApplyResult(null, conflicts.Select(c => c.Conflict).ToList());
        }

        foreach (var (owner, conflict) in conflicts)
        {
            owner.Fields.Remove(conflict.Path); // forced: the applier takes the field over
        }

        var result = (JsonObject)live.DeepClone();
        AppliedMerge.MergeInto(result, config, schema);

        var othersOwn = new FieldSet();
        foreach (var other in others)
        {
            othersOwn.UnionWith(other.Fields);
        }

        if (mine is not null)
        {
            var removed = mine.Fields.Clone();
            removed.ExceptWith(appliedSet);
            RemoveUnowned(result, removed, othersOwn, appliedSet);
        }

        var unchanged = mine is not null && conflicts.Count == 0 && mine.Fields.ToString() == appliedSet.ToString() && SameContent(live, result);
        var entry = new ManagedFieldsEntry(manager, ApplyOperation, apiVersion, subresource, unchanged ? mine!.Time : time, appliedSet);
        var updated = mine is null ? [.. entries, entry] : entries.Select(e => ReferenceEquals(e, mine) ? entry : e).ToList();
        ManagedFieldsEntry.Write(result, updated);
        return new ApplyResult(result, []);
    }

    /// <summary>
    /// Records an ordinary write (create, update, JSON/merge/strategic patch) by <paramref name="manager"/>: the fields it added or changed
    /// join its entry for <paramref name="operation"/> and leave every other manager's set; fields it removed leave every set.
    /// Managed fields supplied in <paramref name="updated"/> replace the old ones; <c>[{}]</c> clears them, as in Kubernetes.
    /// </summary>
    /// <returns>A copy of <paramref name="updated"/> with <c>metadata.managedFields</c> set.</returns>
    public static JsonObject RecordUpdate(JsonObject? old, JsonObject updated, Type modelType, string manager, string operation, DateTimeOffset now, string? subresource = null) =>
        RecordUpdate(old, updated, ModelSchema.For(modelType), manager, operation, now, subresource);

    /// <summary>As <see cref="RecordUpdate(JsonObject?, JsonObject, Type, string, string, DateTimeOffset, string?)"/> with a schema; null for custom resources.</summary>
    public static JsonObject RecordUpdate(JsonObject? old, JsonObject updated, ModelSchema? schema, string manager, string operation, DateTimeOffset now, string? subresource = null)
    {
        var result = (JsonObject)updated.DeepClone();
        ManagedFieldsEntry.Write(result, RecordEntries(old, updated, schema, manager, operation, now, subresource, out _));
        return result;
    }

    /// <summary>
    /// As <see cref="RecordUpdate(JsonObject?, JsonObject, ModelSchema?, string, string, DateTimeOffset, string?)"/>, but only
    /// the new <c>metadata.managedFields</c> (null when there are none) instead of a copy of the whole object.
    /// </summary>
    /// <param name="fieldsChanged">
    /// True when a compared field (any but metadata's server-owned ones and those outside the write's scope) differs as
    /// <see cref="JsonNode.DeepEquals"/> sees it, which proves <paramref name="updated"/> differs from <paramref name="old"/>
    /// whatever managedFields and resourceVersion become; false says nothing either way.
    /// </param>
    public static JsonArray? RecordUpdateManagedFields(JsonObject? old, JsonObject updated, ModelSchema? schema, string manager, string operation, DateTimeOffset now, string? subresource, out bool fieldsChanged) =>
        RecordUpdateManagedFields(old, updated, schema, manager, operation, now, subresource, oldIsStored: false, out fieldsChanged);

    /// <summary>
    /// As <see cref="RecordUpdateManagedFields(JsonObject?, JsonObject, ModelSchema?, string, string, DateTimeOffset, string?, out bool)"/>;
    /// <paramref name="oldIsStored"/> says <paramref name="old"/> is as the server stored it, so its managedFields are in the
    /// server's own form and are read (as are equal ones <paramref name="updated"/> carries, the usual patch) without
    /// checking that form field by field. The result is the same either way.
    /// </summary>
    public static JsonArray? RecordUpdateManagedFields(JsonObject? old, JsonObject updated, ModelSchema? schema, string manager, string operation, DateTimeOffset now, string? subresource, bool oldIsStored, out bool fieldsChanged)
    {
        if (old is null && subresource is null && updated["metadata"] is JsonObject metadata && !metadata.ContainsKey("managedFields")
            && CreateFieldsV1.Build(updated, schema, IgnoredMetadata) is { } created)
        {
            // A create without managedFields of its own: one entry owning every field it sets, encoded in one walk.
            fieldsChanged = false;
            return created.Count == 0 ? null : [ManagedFieldsEntry.Encode(manager, operation, Text(updated["apiVersion"]), null, ManagedFieldsEntry.FormatTime(now), created)];
        }

        var list = ManagedFieldsEntry.ToJson(RecordEntries(old, updated, schema, manager, operation, now, subresource, out fieldsChanged, oldIsStored: oldIsStored));
        return list.Count == 0 ? null : list;
    }

    /// <summary>
    /// <see cref="RecordUpdate(JsonObject?, JsonObject, ModelSchema?, string, string, DateTimeOffset, string?)"/> comparing the
    /// full field sets of both versions, as it did before comparing only what differs: the reference the tests hold it to.
    /// </summary>
    internal static JsonObject RecordUpdateByFullComparison(JsonObject? old, JsonObject updated, ModelSchema? schema, string manager, string operation, DateTimeOffset now, string? subresource = null)
    {
        var result = (JsonObject)updated.DeepClone();
        ManagedFieldsEntry.Write(result, RecordEntries(old, updated, schema, manager, operation, now, subresource, out _, fullComparison: true));
        return result;
    }

    private static List<ManagedFieldsEntry> RecordEntries(JsonObject? old, JsonObject updated, ModelSchema? schema, string manager, string operation, DateTimeOffset now, string? subresource, out bool fieldsChanged, bool fullComparison = false, bool oldIsStored = false)
    {
        fieldsChanged = false;
        if (updated["metadata"]?["managedFields"] is JsonArray { Count: 1 } reset && reset[0] is JsonObject { Count: 0 })
        {
            return [];
        }

        // Supplied entries the same as the stored ones (a patch or status write keeps them) are the server's own, too.
        var storedEntries = oldIsStored && old?["metadata"] is JsonObject oldMeta && oldMeta["managedFields"] is JsonArray storedList ? storedList : null;
        var suppliedStored = storedEntries is not null && updated["metadata"] is JsonObject updatedMeta && updatedMeta["managedFields"] is JsonArray suppliedList
            && JsonText.Same(suppliedList, storedEntries);
        var entries = ManagedFieldsEntry.Read(updated, suppliedStored) is { Count: > 0 } supplied ? supplied : ManagedFieldsEntry.Read(old, oldIsStored) ?? [];
        if (fullComparison)
        {
            // The reference decodes and re-encodes every entry, as before entries were kept as read.
            foreach (var entry in entries)
            {
                _ = entry.Fields;
            }
        }

        FieldSet changed;
        FieldSet removed;
        if (old is null)
        {
            changed = ScopeSet(FieldSetBuilder.Build(updated, schema), subresource);
            removed = new FieldSet();
        }
        else
        {
            // Only the parts that differ: equal values neither change owner nor get removed.
            FieldSet oldPart, newPart;
            if (fullComparison)
            {
                (oldPart, newPart) = (FieldSetBuilder.Build(old, schema), FieldSetBuilder.Build(updated, schema));
            }
            else
            {
                var diff = FieldSetDiff.Compute(old, updated, schema, subresource == "status" ? IsStatus : IsNotStatus, IgnoredMetadata);
                (oldPart, newPart, fieldsChanged) = (diff.Old, diff.Updated, diff.Differs);
            }

            var oldSet = ScopeSet(oldPart, subresource);
            var newSet = ScopeSet(newPart, subresource);
            changed = new FieldSet();
            removed = oldSet.Clone();
            removed.ExceptWith(newSet);
            foreach (var path in newSet.Paths())
            {
                if (!oldSet.Contains(path) || (!IsItem(path) && !SameValue(old, updated, path)))
                {
                    changed.Insert(path);
                }
            }
        }

        if (!changed.IsEmpty || !removed.IsEmpty)
        {
            var mine = entries.FirstOrDefault(e => e.IsSameManager(manager, operation, subresource));
            foreach (var entry in entries.Where(e => !ReferenceEquals(e, mine)))
            {
                entry.ExceptWith(changed);
                entry.ExceptWith(removed);
            }

            var apiVersion = Text(updated["apiVersion"]);
            var time = ManagedFieldsEntry.FormatTime(now);
            if (mine is null)
            {
                entries.Add(new ManagedFieldsEntry(manager, operation, apiVersion, subresource, time, changed));
            }
            else
            {
                // A manager rewriting fields it owns (a lease renewal, a status refresh) keeps its set as read.
                mine.UnionWith(changed);
                mine.ExceptWith(removed);
                mine.ApiVersion = apiVersion ?? mine.ApiVersion;
                mine.Time = time;
            }
        }

        return entries;
    }

    private static readonly string[] MetadataPath = ["f:metadata"];

    private static readonly HashSet<string> IgnoredMetadata =
        [.. IgnoredPaths.Where(p => p.Length == 2 && p[0] == "f:metadata").Select(p => p[1][2..])];

    // The top-level fields a write's field set can hold: status alone for the status subresource, all but status otherwise
    // (apiVersion and kind are never in a field set).
    private static bool IsStatus(string name) => name == "status";

    private static bool IsNotStatus(string name) => name is not ("status" or "apiVersion" or "kind");

    /// <summary>The fields <paramref name="obj"/> sets, as server-side apply counts them (server-owned metadata and, unless for "status", status left out).</summary>
    public static FieldSet FieldsOf(JsonObject obj, Type modelType, string? subresource = null) =>
        ScopeSet(FieldSetBuilder.Build(obj, ModelSchema.For(modelType)), subresource);

    private static List<(ManagedFieldsEntry Entry, ApplyConflict Conflict)> FindConflicts(
        JsonObject live, JsonObject config, FieldSet appliedSet, List<ManagedFieldsEntry> others)
    {
        var conflicts = new List<(ManagedFieldsEntry, ApplyConflict)>();
        foreach (var path in appliedSet.Paths())
        {
            // List items are identified by their keys or values, so only leaf values can differ.
            if (IsItem(path) || !PathElements.TryGet(live, path, out _) || SameValue(live, config, path))
            {
                continue;
            }

            foreach (var other in others.Where(o => o.Fields.Contains(path)))
            {
                conflicts.Add((other, new ApplyConflict(path, other.Manager, other.Operation, other.ApiVersion)));
            }
        }

        return conflicts;
    }

    /// <summary>Removes from <paramref name="obj"/> the fields the applier dropped that no one else owns, deepest first, then the containers that emptied.</summary>
    private static void RemoveUnowned(JsonObject obj, FieldSet removed, FieldSet othersOwn, FieldSet appliedSet)
    {
        foreach (var path in removed.Paths().OrderByDescending(p => p.Count))
        {
            if (othersOwn.ContainsOrHasBelow(path) || appliedSet.ContainsOrHasBelow(path) || IsKeyOfItem(path))
            {
                continue;
            }

            if (!PathElements.Remove(obj, path))
            {
                continue;
            }

            for (var depth = path.Count - 1; depth > 0; depth--)
            {
                var ancestor = path.Take(depth).ToArray();
                if (ancestor is ["f:metadata"] || !PathElements.TryGet(obj, ancestor, out var node) ||
                    node is not (JsonObject { Count: 0 } or JsonArray { Count: 0 }) ||
                    othersOwn.ContainsOrHasBelow(ancestor) || appliedSet.ContainsOrHasBelow(ancestor))
                {
                    break;
                }

                PathElements.Remove(obj, ancestor);
            }
        }
    }

    /// <summary>The ownership Kubernetes assumes for an object applied to for the first time that has no managedFields.</summary>
    private static List<ManagedFieldsEntry> BeforeFirstApply(JsonObject live, ModelSchema? schema, string? subresource)
    {
        var set = ScopeSet(FieldSetBuilder.Build(live, schema), subresource);
        return set.IsEmpty ? [] : [new ManagedFieldsEntry(BeforeFirstApplyManager, UpdateOperation, Text(live["apiVersion"]), null, null, set)];
    }

    private static JsonObject ScopeConfig(JsonObject applied, string? subresource)
    {
        var config = (JsonObject)applied.DeepClone();
        if (config["metadata"] is JsonObject metadata)
        {
            foreach (var name in ServerMetadata)
            {
                metadata.Remove(name);
            }
        }

        if (subresource == "status")
        {
            return config["status"] is JsonObject status ? new JsonObject { ["status"] = status.DeepClone() } : new JsonObject();
        }

        config.Remove("status");
        return config;
    }

    private static FieldSet ScopeSet(FieldSet set, string? subresource)
    {
        foreach (var path in IgnoredPaths)
        {
            set.RemoveSubtree(path);
        }

        set.Remove(MetadataPath);
        if (subresource != "status")
        {
            set.RemoveSubtree(["f:status"]);
            return set;
        }

        set.RetainOnly("f:status");
        return set;
    }

    private static bool IsItem(IReadOnlyList<string> path) =>
        path[^1].StartsWith("k:", StringComparison.Ordinal) || path[^1].StartsWith("v:", StringComparison.Ordinal);

    // A key field of a map-list item lives and dies with the item.
    private static bool IsKeyOfItem(IReadOnlyList<string> path) =>
        path.Count >= 2 && path[^2].StartsWith("k:", StringComparison.Ordinal) && path[^1].StartsWith("f:", StringComparison.Ordinal) &&
        PathElements.ParseKey(path[^2][2..]) is { } key && key.ContainsKey(path[^1][2..]);

    private static bool SameValue(JsonNode a, JsonNode b, IReadOnlyList<string> path) =>
        PathElements.TryGet(a, path, out var x) && PathElements.TryGet(b, path, out var y) && JsonNode.DeepEquals(x, y);

    private static bool SameContent(JsonObject a, JsonObject b)
    {
        var x = (JsonObject)a.DeepClone();
        var y = (JsonObject)b.DeepClone();
        (x["metadata"] as JsonObject)?.Remove("managedFields");
        (y["metadata"] as JsonObject)?.Remove("managedFields");
        return JsonNode.DeepEquals(x, y);
    }

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
