using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Capstan.Api.Json;

/// <summary>Compares JSON nodes by the text they serialise to.</summary>
public static class JsonText
{
    // Large enough for a pod's spec; a buffer that grew past it is dropped after the call, so one huge object is not kept.
    private const int KeptSize = 64 * 1024;

    // Reused per thread: the comparison runs synchronously, so no other call can hold them meanwhile.
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _left;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _right;

    [ThreadStatic]
    private static Utf8JsonWriter? _writer;

    /// <summary>
    /// True when <paramref name="a"/> and <paramref name="b"/> serialise to the same bytes (same properties in the same order,
    /// values spelled alike; both null counts as the same). A node still backed by the document it was parsed from writes
    /// that text as it is, without building its tree, which makes this much cheaper than <see cref="JsonNode.DeepEquals"/>
    /// on such nodes. False may also mean the same content with members in another order: callers treat it as "maybe
    /// changed" and do the full work.
    /// </summary>
    public static bool Same(JsonNode? a, JsonNode? b)
    {
        if (ReferenceEquals(a, b))
        {
            return true;
        }

        if (a is null || b is null)
        {
            return false;
        }

        try
        {
            var left = Write(a, _left ??= new ArrayBufferWriter<byte>(4096));
            var right = Write(b, _right ??= new ArrayBufferWriter<byte>(4096));
            return left.SequenceEqual(right);
        }
        finally
        {
            if (_left!.Capacity > KeptSize || _right?.Capacity > KeptSize)
            {
                _left = _right = null;
            }
        }
    }

    private static ReadOnlySpan<byte> Write(JsonNode node, ArrayBufferWriter<byte> buffer)
    {
        buffer.ResetWrittenCount();
        var writer = _writer ??= new Utf8JsonWriter(buffer);
        writer.Reset(buffer);
        node.WriteTo(writer);
        writer.Flush();
        writer.Reset();
        return buffer.WrittenSpan;
    }
}
