namespace Capstan.ApiServer.Authorization.Node;

/// <summary>The kinds of object a node reaches through its pods.</summary>
public enum ReferenceKind
{
    Pod,
    Secret,
    ConfigMap,
    PersistentVolumeClaim,
    ServiceAccount,
}
