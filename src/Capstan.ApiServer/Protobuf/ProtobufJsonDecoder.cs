using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Capstan.ApiServer.Protobuf;

/// <summary>
/// Turns Kubernetes protobuf into the JSON that Go's encoding/json would write for the same Kubernetes object.
/// <para>
/// Presence follows the wire, corrected by the Go field facts in <see cref="ProtoSchema"/>: Go's protobuf marshaller writes every
/// non-pointer scalar even when zero, while encoding/json leaves a zero out when the field is omitempty; so a zero ("", 0, false,
/// empty bytes) of a non-pointer omitempty field is dropped, and everything else on the wire is kept (a pointer set to 0, a
/// non-omitempty zero such as a port). An absent slice, map or pointer that is not omitempty becomes null, as Go prints a nil one;
/// other absent fields stay absent (Go's marshaller never leaves out a non-pointer field). Structs are always written by Go, so
/// messages are always kept.
/// The types with their own JSON marshallers (Time, MicroTime, Duration, Quantity, IntOrString, RawExtension, FieldsV1, named
/// []string) are converted by name; unknown fields are skipped.
/// </para>
/// </summary>
internal static class ProtobufJsonDecoder
{
    private const int MaxDepth = 64;

    /// <summary>Seconds of Go's zero time (0001-01-01T00:00:00Z), which marshals to JSON null.</summary>
    private const long GoZeroTimeSeconds = -62135596800;

    /// <summary>
    /// Decodes an enveloped ("k8s\0" + runtime.Unknown) object. <see cref="FormatException"/> for malformed bytes,
    /// <see cref="NotSupportedException"/> for a kind without a schema.
    /// </summary>
    public static JsonObject DecodeObject(ReadOnlyMemory<byte> body) => DecodeObject(body, 0);

    private static JsonObject DecodeObject(ReadOnlyMemory<byte> body, int depth)
    {
        var envelope = ProtobufEnvelope.Parse(body);
        if (envelope.Kind.Length == 0)
        {
            throw new FormatException("the envelope names no kind");
        }

        var name = ProtoSchema.FindRoot(envelope.ApiVersion, envelope.Kind)
            ?? throw new NotSupportedException($"no protobuf schema for {envelope.ApiVersion}, Kind={envelope.Kind}");
        var obj = new JsonObject { ["kind"] = envelope.Kind };
        if (envelope.ApiVersion.Length > 0)
        {
            obj["apiVersion"] = envelope.ApiVersion;
        }

        DecodeInto(obj, envelope.Raw, Message(name), depth);
        return obj;
    }

    /// <summary>Decodes one message (no envelope) by its schema name, e.g. "core.v1.PodSpec".</summary>
    public static JsonNode? DecodeMessage(ReadOnlyMemory<byte> bytes, string messageName) => ReadMessage(bytes, messageName, 0);

    private static ProtoMessage Message(string name) =>
        ProtoSchema.FindMessage(name) ?? throw new NotSupportedException($"no protobuf schema for message {name}");

    private static void DecodeInto(JsonObject target, ReadOnlyMemory<byte> bytes, ProtoMessage message, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new FormatException("nested too deeply");
        }

        var reader = new WireReader(bytes);
        while (reader.TryReadTag(out var number, out var wire))
        {
            if (!message.Fields.TryGetValue(number, out var field) || (field.MessageName is { } m && ProtoSchema.FindMessage(m) is null && !ProtoSchema.IsSpecial(m)))
            {
                reader.Skip(wire);
                continue;
            }

            if (field.IsMap)
            {
                Expect(wire, WireReader.LengthDelimited, field);
                var map = target[field.JsonName] as JsonObject ?? Set(target, field.JsonName, new JsonObject());
                ReadMapEntry(map, reader.ReadBytes(), field, depth);
            }
            else if (field.Repeated)
            {
                var array = target[field.JsonName] as JsonArray ?? Set(target, field.JsonName, new JsonArray());
                if (wire == WireReader.LengthDelimited && IsNumeric(field.Type))
                {
                    // Packed repeated scalars (proto3 style); Kubernetes' proto2 files do not pack, but accept both.
                    var packed = new WireReader(reader.ReadBytes());
                    while (!packed.AtEnd)
                    {
                        array.Add(ReadScalar(ref packed, field, NaturalWire(field.Type)));
                    }
                }
                else
                {
                    array.Add(ReadValue(ref reader, field, wire, depth));
                }
            }
            else if (field.Inline && field.MessageName is { } inlineName)
            {
                Expect(wire, WireReader.LengthDelimited, field);
                DecodeInto(target, reader.ReadBytes(), Message(inlineName), depth + 1);
            }
            else
            {
                var value = ReadValue(ref reader, field, wire, depth);
                if (field.OmitEmpty && !field.Pointer && IsZero(value, field.Type))
                {
                    target.Remove(field.JsonName);
                }
                else
                {
                    target[field.JsonName] = value;
                }
            }
        }

        // Go writes nil slices, maps and pointers as null unless omitempty; protobuf cannot tell nil from empty, and Go
        // decodes an absent repeated field as nil, so an absent one becomes null.
        foreach (var field in message.Fields.Values)
        {
            if (!field.OmitEmpty && !field.Inline && (field.Repeated || field.IsMap || field.Pointer || field.Type == ProtoType.Bytes)
                && !target.ContainsKey(field.JsonName))
            {
                target[field.JsonName] = null;
            }
        }
    }

    private static void ReadMapEntry(JsonObject map, ReadOnlyMemory<byte> entry, ProtoField field, int depth)
    {
        var reader = new WireReader(entry);
        var key = "";
        JsonNode? value = null;
        var hasValue = false;
        var valueField = field with { Repeated = false, IsMap = false, OmitEmpty = false, Pointer = false };
        while (reader.TryReadTag(out var number, out var wire))
        {
            if (number == 1 && wire == WireReader.LengthDelimited)
            {
                key = reader.ReadString();
            }
            else if (number == 2)
            {
                value = ReadValue(ref reader, valueField, wire, depth);
                hasValue = true;
            }
            else
            {
                reader.Skip(wire);
            }
        }

        map[key] = hasValue ? value : ZeroValue(valueField, depth);
    }

    private static JsonNode? ZeroValue(ProtoField field, int depth) => field.Type switch
    {
        ProtoType.String or ProtoType.Bytes => "",
        ProtoType.Bool => false,
        ProtoType.Message => ReadMessage(ReadOnlyMemory<byte>.Empty, field.MessageName!, depth + 1),
        _ => 0,
    };

    private static JsonNode? ReadValue(ref WireReader reader, ProtoField field, int wire, int depth)
    {
        if (field.Type != ProtoType.Message)
        {
            return ReadScalar(ref reader, field, wire);
        }

        Expect(wire, WireReader.LengthDelimited, field);
        return ReadMessage(reader.ReadBytes(), field.MessageName!, depth + 1);
    }

    private static JsonNode? ReadScalar(ref WireReader reader, ProtoField field, int wire)
    {
        Expect(wire, NaturalWire(field.Type), field);
        return field.Type switch
        {
            ProtoType.String => reader.ReadString(),
            ProtoType.Bytes => Convert.ToBase64String(reader.ReadBytes().Span),
            ProtoType.Bool => reader.ReadVarint() != 0,
            ProtoType.Int32 => (int)reader.ReadVarint(),
            ProtoType.Int64 => (long)reader.ReadVarint(),
            ProtoType.UInt32 => (uint)reader.ReadVarint(),
            ProtoType.UInt64 => reader.ReadVarint(),
            ProtoType.Double => BitConverter.UInt64BitsToDouble(reader.ReadFixed64()),
            ProtoType.Float => (double)BitConverter.UInt32BitsToSingle(reader.ReadFixed32()),
            _ => throw new InvalidOperationException($"not a scalar: {field.Type}"),
        };
    }

    private static JsonNode? ReadMessage(ReadOnlyMemory<byte> bytes, string name, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new FormatException("nested too deeply");
        }

        switch (name)
        {
            case ProtoSchema.Time:
                return ReadTime(bytes, micro: false);
            case ProtoSchema.MicroTime:
                return ReadTime(bytes, micro: true);
            case ProtoSchema.Duration:
                return GoDuration.Format((long)ReadVarintField(bytes, 1));
            case ProtoSchema.Quantity:
                var quantity = ReadStringField(bytes, 1);
                return quantity.Length == 0 ? "0" : quantity;
            case ProtoSchema.IntOrString:
                return ReadIntOrString(bytes);
            case ProtoSchema.RawExtension:
            case ProtoSchema.FieldsV1:
                return ReadEmbedded(ReadBytesField(bytes, 1), depth);
        }

        var message = Message(name);
        if (message.IsStringList)
        {
            var items = new JsonArray();
            var reader = new WireReader(bytes);
            while (reader.TryReadTag(out var number, out var wire))
            {
                if (number == 1 && wire == WireReader.LengthDelimited)
                {
                    items.Add(reader.ReadString());
                }
                else
                {
                    reader.Skip(wire);
                }
            }

            return items;
        }

        var obj = new JsonObject();
        DecodeInto(obj, bytes, message, depth);
        return obj;
    }

    /// <summary>Time marshals as RFC 3339 in whole seconds (protobuf nanos are dropped, as Kubernetes drops them), MicroTime with
    /// six fraction digits; a zero time, or an empty message, as null.</summary>
    private static JsonNode? ReadTime(ReadOnlyMemory<byte> bytes, bool micro)
    {
        if (bytes.IsEmpty)
        {
            return null;
        }

        long seconds = 0;
        long nanos = 0;
        var reader = new WireReader(bytes);
        while (reader.TryReadTag(out var number, out var wire))
        {
            if (number == 1 && wire == WireReader.Varint)
            {
                seconds = (long)reader.ReadVarint();
            }
            else if (number == 2 && wire == WireReader.Varint)
            {
                nanos = (int)reader.ReadVarint();
            }
            else
            {
                reader.Skip(wire);
            }
        }

        if (seconds == GoZeroTimeSeconds && (nanos == 0 || !micro))
        {
            return null;
        }

        DateTime time;
        try
        {
            time = DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime;
        }
        catch (ArgumentOutOfRangeException)
        {
            throw new FormatException($"time out of range: {seconds}s");
        }

        if (!micro)
        {
            return time.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        }

        time = time.AddTicks(nanos / 100);
        return time.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
    }

    /// <summary>IntOrString {type=1 (0 int, 1 string), intVal=2, strVal=3} marshals as a bare number or string.</summary>
    private static JsonNode ReadIntOrString(ReadOnlyMemory<byte> bytes)
    {
        long type = 0;
        var intVal = 0;
        var strVal = "";
        var reader = new WireReader(bytes);
        while (reader.TryReadTag(out var number, out var wire))
        {
            switch (number)
            {
                case 1 when wire == WireReader.Varint:
                    type = (long)reader.ReadVarint();
                    break;
                case 2 when wire == WireReader.Varint:
                    intVal = (int)reader.ReadVarint();
                    break;
                case 3 when wire == WireReader.LengthDelimited:
                    strVal = reader.ReadString();
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        return type == 1 ? JsonValue.Create(strVal) : JsonValue.Create(intVal);
    }

    /// <summary>RawExtension and FieldsV1 carry JSON; a RawExtension may also hold an enveloped protobuf object.</summary>
    private static JsonNode? ReadEmbedded(ReadOnlyMemory<byte> raw, int depth)
    {
        if (raw.IsEmpty)
        {
            return null;
        }

        if (ProtobufEnvelope.HasMagic(raw.Span))
        {
            return DecodeObject(raw, depth + 1);
        }

        try
        {
            return JsonNode.Parse(raw.Span);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"embedded object is neither JSON nor protobuf: {ex.Message}");
        }
    }

    private static ulong ReadVarintField(ReadOnlyMemory<byte> bytes, int field)
    {
        ulong value = 0;
        var reader = new WireReader(bytes);
        while (reader.TryReadTag(out var number, out var wire))
        {
            if (number == field && wire == WireReader.Varint)
            {
                value = reader.ReadVarint();
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return value;
    }

    private static ReadOnlyMemory<byte> ReadBytesField(ReadOnlyMemory<byte> bytes, int field)
    {
        ReadOnlyMemory<byte> value = default;
        var reader = new WireReader(bytes);
        while (reader.TryReadTag(out var number, out var wire))
        {
            if (number == field && wire == WireReader.LengthDelimited)
            {
                value = reader.ReadBytes();
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return value;
    }

    private static string ReadStringField(ReadOnlyMemory<byte> bytes, int field) =>
        System.Text.Encoding.UTF8.GetString(ReadBytesField(bytes, field).Span);

    private static bool IsNumeric(ProtoType type) => type is not (ProtoType.String or ProtoType.Bytes or ProtoType.Message);

    private static int NaturalWire(ProtoType type) => type switch
    {
        ProtoType.String or ProtoType.Bytes or ProtoType.Message => WireReader.LengthDelimited,
        ProtoType.Double => WireReader.Fixed64,
        ProtoType.Float => WireReader.Fixed32,
        _ => WireReader.Varint,
    };

    private static void Expect(int wire, int expected, ProtoField field)
    {
        if (wire != expected)
        {
            throw new FormatException($"field {field.JsonName} ({field.Number}) has wire type {wire}, expected {expected}");
        }
    }

    private static bool IsZero(JsonNode? value, ProtoType type) => type switch
    {
        ProtoType.String or ProtoType.Bytes => value?.GetValue<string>().Length == 0,
        ProtoType.Bool => value?.GetValue<bool>() == false,
        ProtoType.Double or ProtoType.Float => value?.GetValue<double>() == 0,
        ProtoType.Int32 or ProtoType.Int64 or ProtoType.UInt32 or ProtoType.UInt64 => value?.ToJsonString() == "0",
        _ => false,
    };

    private static T Set<T>(JsonObject target, string name, T node)
        where T : JsonNode
    {
        target[name] = node;
        return node;
    }
}
