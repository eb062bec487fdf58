namespace Capstan.Storage;

/// <summary>Turns a key prefix into a half-open range of keys ordered by UTF-8 bytes (the order SQLite and etcd use).</summary>
internal static class KeyPrefix
{
    /// <summary>
    /// The smallest key greater than every key that starts with <paramref name="prefix"/>, or null when there is none
    /// (empty prefix, or one that ends in characters that cannot be incremented).
    /// </summary>
    public static string? End(string prefix)
    {
        // UTF-8 byte order equals code point order, so raising the last code point by one bounds the prefix.
        // Surrogates and U+FFFF are dropped and the previous character raised instead; keys are ASCII in practice.
        for (var i = prefix.Length - 1; i >= 0; i--)
        {
            var c = prefix[i];
            if (char.IsSurrogate(c) || c == char.MaxValue || c == '\uD7FF')
            {
                continue;
            }
            return string.Concat(prefix.AsSpan(0, i), ((char)(c + 1)).ToString());
        }
        return null;
    }

    /// <summary>Whether <paramref name="key"/> starts with <paramref name="prefix"/> (ordinal).</summary>
    public static bool Matches(string key, string prefix) => key.StartsWith(prefix, StringComparison.Ordinal);
}
