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
    public static void RecordUpdate(ResourceInfo r, JsonObject? old, JsonObject updated, WriteOptions options, DateTimeOffset now, string subresource = "")
    {
        if (options.IsApply || r.ModelType is null)
        {
            return;
        }

        var recorded = ServerSideApply.RecordUpdate(old, updated, r.ModelType, options.FieldManager, "Update", now, subresource.Length == 0 ? null : subresource);
        if (recorded["metadata"]?["managedFields"] is { } managed)
        {
            ObjectMeta.Metadata(updated)["managedFields"] = managed.DeepClone();
        }
        else
        {
            ObjectMeta.Metadata(updated).Remove("managedFields");
        }
    }
}
