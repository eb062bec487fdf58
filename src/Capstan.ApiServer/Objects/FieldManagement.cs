using System.Text.Json.Nodes;
using Capstan.Api.Registry;

namespace Capstan.ApiServer.Objects;

/// <summary>Keeps metadata.managedFields current on non-apply writes, so that a later server-side apply sees who owns what.</summary>
public static class FieldManagement
{
    public static void RecordCreate(ResourceInfo r, JsonObject obj, WriteOptions options, DateTimeOffset now) =>
        RecordUpdate(r, null, obj, options, now);

    public static void RecordUpdate(ResourceInfo r, JsonObject? old, JsonObject updated, WriteOptions options, DateTimeOffset now)
    {
    }
}
