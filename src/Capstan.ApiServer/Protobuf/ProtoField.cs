namespace Capstan.ApiServer.Protobuf;

/// <summary>
/// One field of a message: its number, the JSON property Kubernetes' Go type marshals it as, its value type
/// (<see cref="MessageName"/> when a message), and the Go facts that shape the JSON: a repeated field or map,
/// a pointer (present means set, even to zero), omitempty (zero values are left out), an embedded struct whose
/// fields are flattened into the parent ("inline").
/// </summary>
internal sealed record ProtoField(
    int Number,
    string JsonName,
    ProtoType Type,
    string? MessageName,
    bool IsMap,
    bool Repeated,
    bool Pointer,
    bool OmitEmpty,
    bool Inline);
