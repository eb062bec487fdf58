namespace Capstan.ApiServer.Protobuf;

/// <summary>The protobuf value types Kubernetes' generated.proto files use; anything else is a message.</summary>
internal enum ProtoType
{
    String,
    Bytes,
    Bool,
    Int32,
    Int64,
    UInt32,
    UInt64,
    Double,
    Float,
    Message,
}
