namespace Capstan.ApiServer.Protobuf;

/// <summary>
/// Kubernetes' protobuf framing: the magic "k8s\0" followed by a runtime.Unknown message
/// (typeMeta=1 {apiVersion=1, kind=2}, raw=2, contentEncoding=3, contentType=4).
/// </summary>
internal readonly record struct ProtobufEnvelope(string ApiVersion, string Kind, ReadOnlyMemory<byte> Raw)
{
    private static readonly byte[] Magic = [0x6b, 0x38, 0x73, 0x00];

    public static bool HasMagic(ReadOnlySpan<byte> body) => body.StartsWith(Magic);

    /// <summary>Splits an enveloped body; <see cref="FormatException"/> when it is not one.</summary>
    public static ProtobufEnvelope Parse(ReadOnlyMemory<byte> body)
    {
        if (!HasMagic(body.Span))
        {
            throw new FormatException("protobuf body lacks the k8s\\0 envelope prefix");
        }

        var reader = new WireReader(body[Magic.Length..]);
        string apiVersion = "", kind = "";
        ReadOnlyMemory<byte> raw = default;
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == 1 && wire == WireReader.LengthDelimited)
            {
                var typeMeta = new WireReader(reader.ReadBytes());
                while (typeMeta.TryReadTag(out var tf, out var tw))
                {
                    if (tf == 1 && tw == WireReader.LengthDelimited)
                    {
                        apiVersion = typeMeta.ReadString();
                    }
                    else if (tf == 2 && tw == WireReader.LengthDelimited)
                    {
                        kind = typeMeta.ReadString();
                    }
                    else
                    {
                        typeMeta.Skip(tw);
                    }
                }
            }
            else if (field == 2 && wire == WireReader.LengthDelimited)
            {
                raw = reader.ReadBytes();
            }
            else
            {
                // contentEncoding and contentType are empty for the plain protobuf clients send.
                reader.Skip(wire);
            }
        }

        return new ProtobufEnvelope(apiVersion, kind, raw);
    }
}
