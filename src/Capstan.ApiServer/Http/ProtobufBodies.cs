using System.Text;
using System.Text.Json.Nodes;

namespace Capstan.ApiServer.Http;

/// <summary>
/// Decodes the Kubernetes protobuf request bodies that kubectl's typed clients send (application/vnd.kubernetes.protobuf):
/// the "k8s\0" + runtime.Unknown envelope, and the few kinds they POST or DELETE with (access and token reviews,
/// Eviction, DeleteOptions). Field numbers are those of Kubernetes' generated.proto files. Responses are always JSON,
/// which those clients also accept.
/// </summary>
public static class ProtobufBodies
{
    private static readonly byte[] Magic = [0x6b, 0x38, 0x73, 0x00];

    private static readonly Schema LabelMap = Schema.MapOfStrings();

    private static readonly Schema ObjectMeta = new()
    {
        [1] = ("name", Field.String),
        [2] = ("generateName", Field.String),
        [3] = ("namespace", Field.String),
        [5] = ("uid", Field.String),
        [6] = ("resourceVersion", Field.String),
        [11] = ("labels", Field.Map(LabelMap)),
        [12] = ("annotations", Field.Map(LabelMap)),
    };

    private static readonly Schema Preconditions = new() { [1] = ("uid", Field.String), [2] = ("resourceVersion", Field.String) };

    private static readonly Schema DeleteOptions = new()
    {
        [1] = ("gracePeriodSeconds", Field.Int64),
        [2] = ("preconditions", Field.Message(Preconditions)),
        [3] = ("orphanDependents", Field.Bool),
        [4] = ("propagationPolicy", Field.String),
        [5] = ("dryRun", Field.RepeatedString),
    };

    private static readonly Schema ResourceAttributes = new()
    {
        [1] = ("namespace", Field.String),
        [2] = ("verb", Field.String),
        [3] = ("group", Field.String),
        [4] = ("version", Field.String),
        [5] = ("resource", Field.String),
        [6] = ("subresource", Field.String),
        [7] = ("name", Field.String),
    };

    private static readonly Schema NonResourceAttributes = new() { [1] = ("path", Field.String), [2] = ("verb", Field.String) };

    private static readonly Schema AccessReviewSpec = new()
    {
        [1] = ("resourceAttributes", Field.Message(ResourceAttributes)),
        [2] = ("nonResourceAttributes", Field.Message(NonResourceAttributes)),
        [3] = ("user", Field.String),
        [4] = ("groups", Field.RepeatedString),
        [6] = ("uid", Field.String),
    };

    private static readonly Dictionary<string, Schema> Kinds = new(StringComparer.Ordinal)
    {
        ["SelfSubjectAccessReview"] = new() { [1] = ("metadata", Field.Message(ObjectMeta)), [2] = ("spec", Field.Message(AccessReviewSpec)) },
        ["SubjectAccessReview"] = new() { [1] = ("metadata", Field.Message(ObjectMeta)), [2] = ("spec", Field.Message(AccessReviewSpec)) },
        ["LocalSubjectAccessReview"] = new() { [1] = ("metadata", Field.Message(ObjectMeta)), [2] = ("spec", Field.Message(AccessReviewSpec)) },
        ["SelfSubjectRulesReview"] = new() { [1] = ("metadata", Field.Message(ObjectMeta)), [2] = ("spec", Field.Message(new Schema { [1] = ("namespace", Field.String) })) },
        ["SelfSubjectReview"] = new() { [1] = ("metadata", Field.Message(ObjectMeta)) },
        ["TokenReview"] = new() { [1] = ("metadata", Field.Message(ObjectMeta)), [2] = ("spec", Field.Message(new Schema { [1] = ("token", Field.String), [2] = ("audiences", Field.RepeatedString) })) },
        ["Eviction"] = new() { [1] = ("metadata", Field.Message(ObjectMeta)), [2] = ("deleteOptions", Field.Message(DeleteOptions)) },
        ["DeleteOptions"] = DeleteOptions,
    };

    public static bool IsProtobuf(string mediaType) => mediaType == "application/vnd.kubernetes.protobuf";

    /// <summary>Decodes an enveloped body to JSON; 415 for kinds we do not decode, 400 for malformed bytes.</summary>
    public static JsonObject Decode(byte[] body)
    {
        if (body.Length < Magic.Length || !body.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw ApiException.BadRequest("protobuf body lacks the k8s\\0 envelope prefix");
        }

        try
        {
            var envelope = new Reader(body.AsMemory(Magic.Length));
            string apiVersion = "", kind = "";
            ReadOnlyMemory<byte> raw = default;
            while (envelope.TryReadTag(out var field, out var wire))
            {
                switch (field)
                {
                    case 1:
                        var typeMeta = new Reader(envelope.ReadBytes());
                        while (typeMeta.TryReadTag(out var tf, out var tw))
                        {
                            if (tf == 1)
                            {
                                apiVersion = typeMeta.ReadString();
                            }
                            else if (tf == 2)
                            {
                                kind = typeMeta.ReadString();
                            }
                            else
                            {
                                typeMeta.Skip(tw);
                            }
                        }

                        break;
                    case 2:
                        raw = envelope.ReadBytes();
                        break;
                    default:
                        envelope.Skip(wire);
                        break;
                }
            }

            if (!Kinds.TryGetValue(kind, out var schema))
            {
                throw ApiException.UnsupportedMediaType($"application/vnd.kubernetes.protobuf (kind {kind})");
            }

            var obj = DecodeMessage(raw, schema, 0);
            if (apiVersion.Length > 0)
            {
                obj["apiVersion"] = apiVersion;
            }

            obj["kind"] = kind;
            return obj;
        }
        catch (FormatException ex)
        {
            throw ApiException.BadRequest($"malformed protobuf body: {ex.Message}");
        }
    }

    private static JsonObject DecodeMessage(ReadOnlyMemory<byte> bytes, Schema schema, int depth)
    {
        if (depth > 32)
        {
            throw new FormatException("nested too deeply");
        }

        var obj = new JsonObject();
        var reader = new Reader(bytes);
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (!schema.TryGetValue(field, out var entry))
            {
                reader.Skip(wire);
                continue;
            }

            var (name, type) = entry;
            switch (type.Kind)
            {
                case FieldKind.String:
                    obj[name] = reader.ReadString();
                    break;
                case FieldKind.Bool:
                    obj[name] = reader.ReadVarint() != 0;
                    break;
                case FieldKind.Int64:
                    obj[name] = (long)reader.ReadVarint();
                    break;
                case FieldKind.RepeatedString:
                    (obj[name] as JsonArray ?? (JsonArray)(obj[name] = new JsonArray())).Add(reader.ReadString());
                    break;
                case FieldKind.Message:
                    obj[name] = DecodeMessage(reader.ReadBytes(), type.Nested!, depth + 1);
                    break;
                case FieldKind.Map:
                    var map = obj[name] as JsonObject ?? (JsonObject)(obj[name] = new JsonObject());
                    var entryObj = DecodeMessage(reader.ReadBytes(), type.Nested!, depth + 1);
                    map[(string?)entryObj["key"] ?? ""] = (string?)entryObj["value"] ?? "";
                    break;
            }
        }

        return obj;
    }

    private enum FieldKind { String, Bool, Int64, RepeatedString, Message, Map }

    private sealed record Field(FieldKind Kind, Schema? Nested = null)
    {
        public static readonly Field String = new(FieldKind.String);
        public static readonly Field Bool = new(FieldKind.Bool);
        public static readonly Field Int64 = new(FieldKind.Int64);
        public static readonly Field RepeatedString = new(FieldKind.RepeatedString);

        public static Field Message(Schema nested) => new(FieldKind.Message, nested);

        public static Field Map(Schema entry) => new(FieldKind.Map, entry);
    }

    private sealed class Schema : Dictionary<int, (string Name, Field Type)>
    {
        public static Schema MapOfStrings() => new() { [1] = ("key", Field.String), [2] = ("value", Field.String) };
    }

    /// <summary>A protobuf wire-format reader: varints and length-delimited fields are all these messages use.</summary>
    private struct Reader(ReadOnlyMemory<byte> data)
    {
        private int _pos;

        public bool TryReadTag(out int field, out int wire)
        {
            if (_pos >= data.Length)
            {
                field = wire = 0;
                return false;
            }

            var tag = ReadVarint();
            field = (int)(tag >> 3);
            wire = (int)(tag & 7);
            if (field == 0)
            {
                throw new FormatException("field number 0");
            }

            return true;
        }

        public ulong ReadVarint()
        {
            ulong result = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                if (_pos >= data.Length)
                {
                    throw new FormatException("truncated varint");
                }

                var b = data.Span[_pos++];
                result |= (ulong)(b & 0x7f) << shift;
                if ((b & 0x80) == 0)
                {
                    return result;
                }
            }

            throw new FormatException("varint too long");
        }

        public ReadOnlyMemory<byte> ReadBytes()
        {
            var length = ReadVarint();
            if (length > (ulong)(data.Length - _pos))
            {
                throw new FormatException("length past the end of the message");
            }

            var slice = data.Slice(_pos, (int)length);
            _pos += (int)length;
            return slice;
        }

        public string ReadString() => Encoding.UTF8.GetString(ReadBytes().Span);

        public void Skip(int wire)
        {
            switch (wire)
            {
                case 0:
                    ReadVarint();
                    break;
                case 1:
                    _pos += 8;
                    break;
                case 2:
                    ReadBytes();
                    break;
                case 5:
                    _pos += 4;
                    break;
                default:
                    throw new FormatException($"unsupported wire type {wire}");
            }

            if (_pos > data.Length)
            {
                throw new FormatException("truncated field");
            }
        }
    }
}
