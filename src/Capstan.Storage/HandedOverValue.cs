using System.Buffers;
using System.Runtime.InteropServices;

namespace Capstan.Storage;

/// <summary>
/// A value whose array the caller hands over to a write: it never changes the array again, so the store may keep it as
/// the stored value (and in its watch events) instead of copying it, as it must for any other memory a caller may reuse.
/// </summary>
public sealed class HandedOverValue : MemoryManager<byte>
{
    private readonly byte[] _array;

    private HandedOverValue(byte[] array) => _array = array;

    /// <summary>Memory over the whole of <paramref name="array"/>, which the caller must not change once it is passed to a write.</summary>
    public static ReadOnlyMemory<byte> Of(byte[] array) => new HandedOverValue(array).Memory;

    /// <summary>The array behind <paramref name="value"/> when it is a whole handed-over array; otherwise a copy of the value.</summary>
    public static byte[] Take(ReadOnlyMemory<byte> value) =>
        MemoryMarshal.TryGetMemoryManager<byte, HandedOverValue>(value, out var owner, out var start, out var length)
        && start == 0 && length == owner._array.Length
            ? owner._array
            : value.ToArray();

    public override Span<byte> GetSpan() => _array;

    public override MemoryHandle Pin(int elementIndex = 0) => _array.AsMemory(elementIndex).Pin();

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
    }
}
