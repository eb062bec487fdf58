using System.Text.Json.Nodes;

namespace Capstan.Api.Tables.Converters;

internal sealed class PersistentVolumeClaimTableConverter() : TableConverter("", "PersistentVolumeClaim",
[
    Column.Name,
    Column.Str("Status", "phase represents the current phase of PersistentVolumeClaim."),
    Column.Str("Volume", "volumeName is the binding reference to the PersistentVolume backing this claim."),
    Column.Str("Capacity", "capacity represents the actual resources of the underlying volume."),
    Column.Str("Access Modes", "accessModes contains the actual access modes the volume backing the PVC has."),
    Column.Str("StorageClass", "StorageClass of the pvc"),
    Column.Str("VolumeAttributesClass", "VolumeAttributesClass of the pvc"),
    Column.Age,
    Column.Wide("VolumeMode", "volumeMode defines what type of volume is required by the claim."),
])
{
    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var spec = JsonRead.Obj(obj, "spec");
        var volumeName = JsonRead.Str(spec, "volumeName");
        var capacity = "";
        var accessModes = "";
        if (volumeName.Length > 0)
        {
            accessModes = CellFormat.AccessModes(JsonRead.Arr(obj, "status", "accessModes"));
            capacity = CellFormat.Quantity(JsonRead.Node(obj, "status", "capacity", "storage"));
        }

        var storageClass = JsonRead.StrOrNull(obj, "metadata", "annotations", PersistentVolumeTableConverter.StorageClassAnnotation)
            ?? JsonRead.Str(spec, "storageClassName");
        return
        [
            Name(obj),
            IsDeleting(obj) ? "Terminating" : JsonRead.Str(obj, "status", "phase"),
            volumeName,
            capacity,
            accessModes,
            storageClass,
            JsonRead.StrOrNull(spec, "volumeAttributesClassName") ?? CellFormat.Unset,
            Age(obj, now),
            JsonRead.StrOrNull(spec, "volumeMode") ?? CellFormat.Unset,
        ];
    }
}
