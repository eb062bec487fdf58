using System.Text.Json.Nodes;
using Capstan.Api.Patch;
using Capstan.Api.Registry;

namespace Capstan.ApiServer.Objects;

/// <summary>Keeps metadata.managedFields current on non-apply writes, so that a later server-side apply sees who owns what.</summary>
public static class FieldManagement
{
    public static void RecordCreate(ResourceInfo r, JsonObject obj, WriteOptions options, DateTimeOffset now) =>
        RecordUpdate(r, null, obj, options, now);

    /// <summary>Moves the fields this write changed to its manager (operation Update); apply writes have already recorded theirs.</summary>
    /// <remarks>
    /// Fields equal in <paramref name="old"/> and <paramref name="updated"/> neither change owner nor get removed, so they
    /// are left out of the comparison: a status write then walks the status alone, not the whole spec twice (the
    /// field sets of the write were most of an update's CPU). The objects are as they were when this returns.
    /// </remarks>
    public static void RecordUpdate(ResourceInfo r, JsonObject? old, JsonObject updated, WriteOptions options, DateTimeOffset now, string subresource = "")
    {
        if (options.IsApply || r.ModelType is null)
        {
            return;
        }

        var detached = old is null ? null : UnchangedFields.Detach(old, updated);
        JsonObject recorded;
        try
        {
            recorded = ServerSideApply.RecordUpdate(old, updated, r.ModelType, options.FieldManager, "Update", now, subresource.Length == 0 ? null : subresource);
        }
        finally
        {
            detached?.Restore();
        }

        if (recorded["metadata"]?["managedFields"] is { } managed)
        {
            // recorded is a copy made for this call: its managedFields can move over without another clone.
            ((JsonObject)recorded["metadata"]!).Remove("managedFields");
            ObjectMeta.Metadata(updated)["managedFields"] = managed;
        }
        else
        {
            ObjectMeta.Metadata(updated).Remove("managedFields");
        }
    }
}
