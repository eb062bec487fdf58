using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Capstan.Client.Dynamic;

/// <summary>
/// Compares two JSON subtrees by their serialized UTF-8. <see cref="JsonNode.DeepEquals"/> of two lazily parsed trees
/// materialises every object and value of both; writing a tree that was never read copies its parsed bytes and builds
/// nothing. Equal bytes mean equal trees; unequal bytes usually mean a change, but may also be the same content with
/// members in another order, so a caller treats false as "maybe changed" and does the full work.
/// </summary>
public static class SerializedEquality
{
    [ThreadStatic]
    private static Buffers? t_buffers;

    /// <summary>True when both are null, or both serialize to the same bytes.</summary>
    public static bool SameBytes(JsonNode? a, JsonNode? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }

        if (ReferenceEquals(a, b))
        {
            return true;
        }

        var buffers = t_buffers ??= new Buffers();
        try
        {
            return buffers.Write(a, buffers.First, buffers.FirstWriter).SequenceEqual(buffers.Write(b, buffers.Second, buffers.SecondWriter));
        }
        finally
        {
            buffers.Reset();
        }
    }

    private sealed class Buffers
    {
        // Large enough for a pod's spec; a buffer that grew past it is dropped, so one huge object is not kept for good.
        private const int KeptSize = 64 * 1024;

        public Buffers()
        {
            FirstWriter = new Utf8JsonWriter(First);
            SecondWriter = new Utf8JsonWriter(Second);
        }

        public ArrayBufferWriter<byte> First { get; private set; } = new(4096);

        public ArrayBufferWriter<byte> Second { get; private set; } = new(4096);

        public Utf8JsonWriter FirstWriter { get; private set; }

        public Utf8JsonWriter SecondWriter { get; private set; }

        public ReadOnlySpan<byte> Write(JsonNode node, ArrayBufferWriter<byte> buffer, Utf8JsonWriter writer)
        {
            node.WriteTo(writer);
            writer.Flush();
            return buffer.WrittenSpan;
        }

        public void Reset()
        {
            if (First.Capacity > KeptSize || Second.Capacity > KeptSize)
            {
                First = new ArrayBufferWriter<byte>(4096);
                Second = new ArrayBufferWriter<byte>(4096);
                FirstWriter = new Utf8JsonWriter(First);
                SecondWriter = new Utf8JsonWriter(Second);
                return;
            }

            First.ResetWrittenCount();
            Second.ResetWrittenCount();
            FirstWriter.Reset(First);
            SecondWriter.Reset(Second);
        }
    }
}
