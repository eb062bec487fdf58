using System.Text.Json.Nodes;

namespace Capstan.Api.Tables.Converters;

internal sealed class PersistentVolumeTableConverter() : TableConverter("", "PersistentVolume",
[
    Column.Name,
    Column.Str("Capacity", "capacity is the description of the persistent volume's resources and capacity."),
    Column.Str("Access Modes", "accessModes contains all ways the volume can be mounted."),
    Column.Str("Reclaim Policy", "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim."),
    Column.Str("Status", "phase indicates if a volume is available, bound to a claim, or released by a claim."),
    Column.Str("Claim", "claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim."),
    Column.Str("StorageClass", "StorageClass of the pv"),
    Column.Str("VolumeAttributesClass", "VolumeAttributesClass of the pv"),
    Column.Str("Reason", "reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI."),
    Column.Age,
    Column.Wide("VolumeMode", "volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state."),
])
{
    internal const string StorageClassAnnotation = "volume.beta.kubernetes.io/storage-class";

    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var spec = JsonRead.Obj(obj, "spec");
        var claim = JsonRead.Obj(spec, "claimRef") is { } claimRef
            ? JsonRead.Str(claimRef, "namespace") + "/" + JsonRead.Str(claimRef, "name")
            : "";
        var phase = IsDeleting(obj) ? "Terminating" : JsonRead.Str(obj, "status", "phase");
        var storageClass = JsonRead.StrOrNull(obj, "metadata", "annotations", StorageClassAnnotation) ?? JsonRead.Str(spec, "storageClassName");
        return
        [
            Name(obj),
            CellFormat.Quantity(JsonRead.Node(spec, "capacity", "storage")),
            CellFormat.AccessModes(JsonRead.Arr(spec, "accessModes")),
            JsonRead.Str(spec, "persistentVolumeReclaimPolicy"),
            phase,
            claim,
            storageClass,
            JsonRead.StrOrNull(spec, "volumeAttributesClassName") ?? CellFormat.Unset,
            JsonRead.Str(obj, "status", "reason"),
            Age(obj, now),
            JsonRead.StrOrNull(spec, "volumeMode") ?? CellFormat.Unset,
        ];
    }
}
