using System.Text.Json.Nodes;

namespace Capstan.Server;

/// <summary>
/// The StorageClass every Capstan cluster starts with (k3s' bundled local-path): the default class, served by the node
/// agents' built-in provisioner, binding when the first pod is scheduled, volumes removed with their claim, growable.
/// </summary>
internal static class DefaultStorageClass
{
    public const string Name = "local-path";

    public const string Provisioner = "capstan.io/local-path";

    public static JsonObject Build() => new()
    {
        ["apiVersion"] = "storage.k8s.io/v1",
        ["kind"] = "StorageClass",
        ["metadata"] = new JsonObject
        {
            ["name"] = Name,
            ["annotations"] = new JsonObject { ["storageclass.kubernetes.io/is-default-class"] = "true" },
        },
        ["provisioner"] = Provisioner,
        ["reclaimPolicy"] = "Delete",
        ["volumeBindingMode"] = "WaitForFirstConsumer",
        ["allowVolumeExpansion"] = true,
    };
}
