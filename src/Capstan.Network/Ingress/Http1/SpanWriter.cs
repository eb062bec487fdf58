namespace Capstan.Network.Ingress.Http1;

/// <summary>Appends bytes to a span; what does not fit sets <see cref="Overflowed"/> instead of throwing.</summary>
internal ref struct SpanWriter(Span<byte> destination)
{
    private readonly Span<byte> _destination = destination;

    public int Written { get; private set; }

    public bool Overflowed { get; private set; }

    public void Write(scoped ReadOnlySpan<byte> bytes)
    {
        if (Overflowed || bytes.Length > _destination.Length - Written)
        {
            Overflowed = true;
            return;
        }

        bytes.CopyTo(_destination[Written..]);
        Written += bytes.Length;
    }
}
