using System.Collections.Concurrent;

namespace Capstan.Api.Text;

/// <summary>
/// A bounded intern table for the strings that repeat across objects: namespaces, label keys and values ("app",
/// "kubernetes.io/os", "linux"), toleration keys, scheduler names, owner kinds. At 10,000 pods and 5,000 nodes each such
/// string was held once per object by the watch cache, and again by the scheduler's and the garbage collector's views
/// (tens of thousands of copies each). Long strings and strings past <see cref="Capacity"/> distinct entries are
/// returned as they are: the table never grows without bound, and unique values (uids) are not worth a slot.
/// </summary>
public sealed class StringTable(int capacity = StringTable.DefaultCapacity, int maxLength = StringTable.DefaultMaxLength)
{
    public const int DefaultCapacity = 16_384;

    public const int DefaultMaxLength = 64;

    private readonly ConcurrentDictionary<string, string> _table = new(StringComparer.Ordinal);

    /// <summary>The process-wide table.</summary>
    public static StringTable Shared { get; } = new();

    public int Capacity { get; } = capacity;

    public int Count => _table.Count;

    /// <summary>The table's copy of <paramref name="value"/>, adding it when there is room; otherwise <paramref name="value"/> itself.</summary>
    public string Intern(string value)
    {
        if (value.Length == 0)
        {
            return string.Empty;
        }

        if (value.Length > maxLength)
        {
            return value;
        }

        if (_table.TryGetValue(value, out var shared))
        {
            return shared;
        }

        // Count is a lock-taking call on ConcurrentDictionary; it is reached only for strings not seen before.
        return _table.Count < Capacity ? _table.GetOrAdd(value, value) : value;
    }
}
