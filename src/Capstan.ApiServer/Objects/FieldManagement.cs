using System.Text.Json.Nodes;
using Capstan.Api.Patch;
using Capstan.Api.Registry;
using Capstan.Api.Schema;

namespace Capstan.ApiServer.Objects;

/// <summary>Keeps metadata.managedFields current on non-apply writes, so that a later server-side apply sees who owns what.</summary>
public static class FieldManagement
{
    public static void RecordCreate(ResourceInfo r, JsonObject obj, WriteOptions options, DateTimeOffset now) =>
        RecordUpdate(r, null, obj, options, now);

    /// <inheritdoc cref="RecordUpdate(ResourceInfo, JsonObject?, JsonObject, WriteOptions, DateTimeOffset, string, out bool)"/>
    public static void RecordUpdate(ResourceInfo r, JsonObject? old, JsonObject updated, WriteOptions options, DateTimeOffset now, string subresource = "") =>
        RecordUpdate(r, old, updated, options, now, subresource, out _);

    /// <summary>Moves the fields this write changed to its manager (operation Update); apply writes have already recorded theirs.</summary>
    /// <remarks>
    /// Only the new managedFields are built (no copy of the object), from the parts of the two versions that differ
    /// (<see cref="ServerSideApply.RecordUpdateManagedFields"/>): a status write walks the changed status fields, not the
    /// whole object twice.
    /// </remarks>
    /// <param name="differs">True when the comparison found a field that differs, so <paramref name="updated"/> is not equal to <paramref name="old"/> (false proves nothing).</param>
    public static void RecordUpdate(ResourceInfo r, JsonObject? old, JsonObject updated, WriteOptions options, DateTimeOffset now, string subresource, out bool differs) =>
        RecordUpdate(r, old, updated, options, now, subresource, oldIsStored: false, out differs);

    /// <inheritdoc cref="RecordUpdate(ResourceInfo, JsonObject?, JsonObject, WriteOptions, DateTimeOffset, string, out bool)"/>
    /// <param name="oldIsStored">True when <paramref name="old"/> was read from storage as the server wrote it, so its managedFields need no form check.</param>
    public static void RecordUpdate(ResourceInfo r, JsonObject? old, JsonObject updated, WriteOptions options, DateTimeOffset now, string subresource, bool oldIsStored, out bool differs)
    {
        differs = false;
        if (options.IsApply || r.ModelType is null)
        {
            return;
        }

        var managed = ServerSideApply.RecordUpdateManagedFields(
            old, updated, ModelSchema.For(r.ModelType), options.FieldManager, "Update", now, subresource.Length == 0 ? null : subresource, oldIsStored, out differs);
        if (managed is not null)
        {
            ObjectMeta.Metadata(updated)["managedFields"] = managed;
        }
        else
        {
            ObjectMeta.Metadata(updated).Remove("managedFields");
        }
    }
}
