using System.Collections.Frozen;

namespace Capstan.ApiServer.Protobuf;

/// <summary>A message's fields by number. <see cref="IsStringList"/> marks Go's named []string types (ExtraValue), whose one
/// repeated "items" field marshals to JSON as a bare array.</summary>
internal sealed record ProtoMessage(string Name, FrozenDictionary<int, ProtoField> Fields, bool IsStringList);
