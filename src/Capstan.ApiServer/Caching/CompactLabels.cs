using System.Collections;
using System.Diagnostics.CodeAnalysis;
using Capstan.Api.Text;

namespace Capstan.ApiServer.Caching;

/// <summary>
/// An object's labels as one array of alternating keys and values, read by linear search. Objects carry a handful of
/// labels, for which this is as fast as a hash lookup and a fraction of a <see cref="Dictionary{TKey, TValue}"/>'s size
/// (about 200 bytes for one label); the watch cache holds one per cached object version.
/// </summary>
public sealed class CompactLabels : IReadOnlyDictionary<string, string>
{
    // More labels than this stay in a dictionary: linear search would cost more than the space saves.
    private const int MaxCompact = 16;

    private static readonly CompactLabels Empty = new([]);

    private readonly string[] _items;

    private CompactLabels(string[] items)
    {
        _items = items;
    }

    /// <summary>Compact form of <paramref name="labels"/>, with keys and values from <paramref name="strings"/>.</summary>
    public static IReadOnlyDictionary<string, string> From(IReadOnlyDictionary<string, string> labels, StringTable strings)
    {
        if (labels is CompactLabels)
        {
            return labels;
        }

        if (labels.Count == 0)
        {
            return Empty;
        }

        if (labels.Count > MaxCompact)
        {
            return labels;
        }

        var items = new string[labels.Count * 2];
        var i = 0;
        foreach (var (key, value) in labels)
        {
            items[i++] = strings.Intern(key);
            items[i++] = strings.Intern(value);
        }

        return new CompactLabels(items);
    }

    public int Count => _items.Length / 2;

    public string this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException(key);

    public IEnumerable<string> Keys
    {
        get
        {
            for (var i = 0; i < _items.Length; i += 2)
            {
                yield return _items[i];
            }
        }
    }

    public IEnumerable<string> Values
    {
        get
        {
            for (var i = 1; i < _items.Length; i += 2)
            {
                yield return _items[i];
            }
        }
    }

    public bool ContainsKey(string key) => TryGetValue(key, out _);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out string value)
    {
        for (var i = 0; i < _items.Length; i += 2)
        {
            if (string.Equals(_items[i], key, StringComparison.Ordinal))
            {
                value = _items[i + 1];
                return true;
            }
        }

        value = null;
        return false;
    }

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator()
    {
        for (var i = 0; i < _items.Length; i += 2)
        {
            yield return new KeyValuePair<string, string>(_items[i], _items[i + 1]);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
