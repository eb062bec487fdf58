using System.Collections.Frozen;
using System.Globalization;

namespace Capstan.ApiServer.Protobuf;

/// <summary>
/// The message schema of the built-in kinds, parsed once from the generated table. A field spec is
/// "number:jsonName:type[:flags]" where type is a scalar (string, int32, ...), a message name, or "key&gt;value" for a map,
/// and flags are r (repeated), p (Go pointer), o (omitempty), i (embedded inline). A message spec of "@list" is a named []string.
/// </summary>
internal static partial class ProtoSchema
{
    private static readonly Lazy<FrozenDictionary<string, ProtoMessage>> Messages = new(ParseMessages);

    private static readonly Lazy<FrozenDictionary<string, string>> Roots = new(ParseRoots);

    /// <summary>The messages whose JSON is not their fields' (custom Go marshallers); the decoder handles them by name.</summary>
    public const string Time = "meta.v1.Time";
    public const string MicroTime = "meta.v1.MicroTime";
    public const string Duration = "meta.v1.Duration";
    public const string Quantity = "resource.Quantity";
    public const string IntOrString = "intstr.IntOrString";
    public const string RawExtension = "runtime.RawExtension";
    public const string FieldsV1 = "meta.v1.FieldsV1";

    public static ProtoMessage? FindMessage(string name) => Messages.Value.GetValueOrDefault(name);

    public static IEnumerable<ProtoMessage> AllMessages => Messages.Value.Values;

    public static bool IsSpecial(string name) => name is Time or MicroTime or Duration or Quantity or IntOrString or RawExtension or FieldsV1;

    /// <summary>The message of a top-level object by its envelope's apiVersion and kind. DeleteOptions is accepted
    /// under any group version, as Kubernetes registers it in every one.</summary>
    public static string? FindRoot(string apiVersion, string kind)
    {
        if (kind == "DeleteOptions")
        {
            return "meta.v1.DeleteOptions";
        }

        if (Roots.Value.TryGetValue($"{apiVersion}/{kind}", out var name))
        {
            return name;
        }

        // No (or an unknown) apiVersion: fall back to the kind when only one group serves it.
        var matches = RootTable.Where(r => r.ApiVersionKind.EndsWith("/" + kind, StringComparison.Ordinal)).Take(2).ToArray();
        return apiVersion.Length == 0 && matches.Length == 1 ? matches[0].Message : null;
    }

    private static FrozenDictionary<string, string> ParseRoots() =>
        RootTable.ToFrozenDictionary(r => r.ApiVersionKind, r => r.Message, StringComparer.Ordinal);

    private static FrozenDictionary<string, ProtoMessage> ParseMessages()
    {
        var result = new Dictionary<string, ProtoMessage>(StringComparer.Ordinal);
        foreach (var (name, spec) in MessageTable)
        {
            if (spec == "@list")
            {
                result[name] = new ProtoMessage(name, FrozenDictionary<int, ProtoField>.Empty, IsStringList: true);
                continue;
            }

            var fields = spec.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(ParseField).ToFrozenDictionary(f => f.Number);
            result[name] = new ProtoMessage(name, fields, IsStringList: false);
        }

        return result.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static ProtoField ParseField(string spec)
    {
        var parts = spec.Split(':');
        var flags = parts.Length > 3 ? parts[3] : "";
        var type = parts[2];
        var isMap = false;
        var arrow = type.IndexOf('>', StringComparison.Ordinal);
        if (arrow >= 0)
        {
            // Every map in these files is keyed by string; the value is the type that matters.
            isMap = true;
            type = type[(arrow + 1)..];
        }

        var scalar = ParseType(type);
        return new ProtoField(
            int.Parse(parts[0], CultureInfo.InvariantCulture),
            parts[1],
            scalar,
            scalar == ProtoType.Message ? type : null,
            isMap,
            Repeated: flags.Contains('r', StringComparison.Ordinal),
            Pointer: flags.Contains('p', StringComparison.Ordinal),
            OmitEmpty: flags.Contains('o', StringComparison.Ordinal),
            Inline: flags.Contains('i', StringComparison.Ordinal));
    }

    private static ProtoType ParseType(string type) => type switch
    {
        "string" => ProtoType.String,
        "bytes" => ProtoType.Bytes,
        "bool" => ProtoType.Bool,
        "int32" => ProtoType.Int32,
        "int64" => ProtoType.Int64,
        "uint32" => ProtoType.UInt32,
        "uint64" => ProtoType.UInt64,
        "double" => ProtoType.Double,
        "float" => ProtoType.Float,
        _ => ProtoType.Message,
    };
}
