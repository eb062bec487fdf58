namespace Capstan.Api.Tables;

/// <summary>Column definitions shared by the converters; Name and Age carry Kubernetes' ObjectMeta descriptions.</summary>
internal static class Column
{
    public const string NameDescription =
        "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";

    public const string CreationTimestampDescription =
        "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

    public static TableColumn Name { get; } = new("Name", "string", "name", NameDescription);

    public static TableColumn Age { get; } = new("Age", "string", "", CreationTimestampDescription);

    public static TableColumn Containers { get; } = Wide("Containers", "Names of each container in the template.");

    public static TableColumn Images { get; } = Wide("Images", "Images referenced by each container in the template.");

    public static TableColumn Str(string name, string description, int priority = 0) => new(name, "string", "", description, priority);

    public static TableColumn Int(string name, string description, int priority = 0) => new(name, "integer", "", description, priority);

    public static TableColumn Bool(string name, string description, int priority = 0) => new(name, "boolean", "", description, priority);

    public static TableColumn Wide(string name, string description) => Str(name, description, 1);
}
