using System.Text;

namespace Capstan.TestServer.Grpc;

/// <summary>
/// The messages of grpc.health.v1.Health/Check, hand-encoded: HealthCheckRequest { string service = 1; } and
/// HealthCheckResponse { ServingStatus status = 1; } with UNKNOWN 0, SERVING 1, NOT_SERVING 2.
/// </summary>
internal static class GrpcHealth
{
    public const int Serving = 1;
    public const int NotServing = 2;

    /// <summary>gRPC status NOT_FOUND, which Check answers for a service it does not know.</summary>
    public const int StatusNotFound = 5;

    /// <summary>The service name of a length-prefixed HealthCheckRequest ("" when absent).</summary>
    public static string ReadService(ReadOnlySpan<byte> grpcMessage)
    {
        if (grpcMessage.Length < 5 || grpcMessage[0] != 0)
        {
            throw new InvalidDataException("expected one uncompressed gRPC message");
        }

        var message = grpcMessage[5..];
        var service = "";
        var i = 0;
        while (i < message.Length)
        {
            var tag = ReadVarint(message, ref i);
            switch (tag & 7)
            {
                case 0:
                    ReadVarint(message, ref i);
                    break;
                case 2:
                    var length = (int)ReadVarint(message, ref i);
                    if (length < 0 || i + length > message.Length)
                    {
                        throw new InvalidDataException("truncated field");
                    }

                    if (tag >> 3 == 1)
                    {
                        service = Encoding.UTF8.GetString(message.Slice(i, length));
                    }

                    i += length;
                    break;
                default:
                    throw new InvalidDataException($"unexpected wire type {tag & 7}");
            }
        }

        return service;
    }

    /// <summary>A length-prefixed HealthCheckResponse carrying <paramref name="status"/>.</summary>
    public static byte[] Response(int status) => [0, 0, 0, 0, 2, 0x08, (byte)status];

    private static ulong ReadVarint(ReadOnlySpan<byte> bytes, ref int i)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (i >= bytes.Length)
            {
                throw new InvalidDataException("truncated varint");
            }

            var b = bytes[i++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw new InvalidDataException("varint too long");
    }
}
