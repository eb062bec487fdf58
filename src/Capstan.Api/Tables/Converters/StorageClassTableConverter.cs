using System.Text.Json.Nodes;

namespace Capstan.Api.Tables.Converters;

internal sealed class StorageClassTableConverter() : TableConverter("storage.k8s.io", "StorageClass",
[
    Column.Name,
    Column.Str("Provisioner", "provisioner indicates the type of the provisioner."),
    Column.Str("ReclaimPolicy", "reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class."),
    Column.Str("VolumeBindingMode", "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound."),
    Column.Str("AllowVolumeExpansion", "allowVolumeExpansion shows whether the storage class allow volume expand."),
    Column.Age,
])
{
    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var name = Name(obj);
        if (IsDefault(obj))
        {
            name += " (default)";
        }

        return
        [
            name,
            JsonRead.Str(obj, "provisioner"),
            JsonRead.StrOrNull(obj, "reclaimPolicy") ?? "Delete",
            JsonRead.StrOrNull(obj, "volumeBindingMode") ?? "Immediate",
            JsonRead.Bool(obj, "allowVolumeExpansion"),
            Age(obj, now),
        ];
    }

    private static bool IsDefault(JsonObject obj) =>
        JsonRead.StrOrNull(obj, "metadata", "annotations", "storageclass.kubernetes.io/is-default-class") == "true"
        || JsonRead.StrOrNull(obj, "metadata", "annotations", "storageclass.beta.kubernetes.io/is-default-class") == "true";
}
