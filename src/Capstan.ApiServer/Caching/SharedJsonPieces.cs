using System.Diagnostics.CodeAnalysis;

namespace Capstan.ApiServer.Caching;

/// <summary>
/// Hands out one shared array per distinct JSON fragment, so that the watch cache keeps fragments that many objects
/// repeat byte for byte once. The fragments are managedFields' field sets: every pod of a template, and every node of a
/// kind, carries the same sets for the same managers (1.4 KB of a 4.3 KB pod), differing only in the entries' times.
/// <para>Bounded: when the table holds <see cref="MaxEntries"/> fragments it starts again empty. Objects keep the arrays
/// they were given, so that only costs sharing, never correctness; fragments that never repeat cannot grow it forever.</para>
/// </summary>
public sealed class SharedJsonPieces
{
    /// <summary>Fragments shorter than this stay in the object: a piece costs 16 bytes of reference and a 24-byte array header.</summary>
    public const int MinLength = 96;

    /// <summary>Longer fragments stay in the object too: they are rarely repeated, and a table of them would be large.</summary>
    public const int MaxLength = 16 * 1024;

    public const int MaxEntries = 4096;

    private readonly Lock _lock = new();
    private readonly HashSet<byte[]> _pieces = new(ContentComparer.Instance);
    private readonly HashSet<byte[]>.AlternateLookup<ReadOnlySpan<byte>> _lookup;

    public SharedJsonPieces()
    {
        _lookup = _pieces.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _pieces.Count;
            }
        }
    }

    /// <summary>Whether a fragment of this length is worth sharing.</summary>
    public static bool Worth(int length) => length is >= MinLength and <= MaxLength;

    /// <summary>The shared array with these bytes, added when new.</summary>
    public byte[] Intern(ReadOnlySpan<byte> fragment)
    {
        lock (_lock)
        {
            if (_lookup.TryGetValue(fragment, out var shared))
            {
                return shared;
            }

            if (_pieces.Count >= MaxEntries)
            {
                _pieces.Clear();
            }

            shared = fragment.ToArray();
            _pieces.Add(shared);
            return shared;
        }
    }

    private sealed class ContentComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly ContentComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => ReferenceEquals(x, y) || (x is not null && y is not null && x.AsSpan().SequenceEqual(y));

        public int GetHashCode([DisallowNull] byte[] obj) => GetHashCode(obj.AsSpan());

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate)
        {
            var hash = default(HashCode);
            hash.AddBytes(alternate);
            return hash.ToHashCode();
        }

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
    }
}
