using System.Text;

namespace Capstan.Api.Schema;

/// <summary>
/// The path to the value a schema walk is at, kept as segments and formatted only when a finding needs it (formatting
/// every property's path up front was most of what the walks of a valid body allocated).
/// </summary>
internal sealed class FieldPath
{
    private readonly List<(string? Name, int Index)> _segments = [];

    /// <summary>Enters property <paramref name="name"/> (<c>.name</c>).</summary>
    public void PushField(string name) => _segments.Add((name, -1));

    /// <summary>Enters list item <paramref name="index"/> (<c>[i]</c>).</summary>
    public void PushIndex(int index) => _segments.Add((null, index));

    /// <summary>Enters map entry <paramref name="key"/> (<c>[key]</c>).</summary>
    public void PushKey(string key) => _segments.Add((key, -2));

    public void Pop() => _segments.RemoveAt(_segments.Count - 1);

    /// <summary>The path, each property as <c>.name</c>; with <paramref name="leadingDot"/> false the first one has no dot.</summary>
    public string Format(bool leadingDot)
    {
        var sb = new StringBuilder();
        foreach (var (name, index) in _segments)
        {
            switch (index)
            {
                case -1:
                    if (leadingDot || sb.Length > 0)
                    {
                        sb.Append('.');
                    }

                    sb.Append(name);
                    break;
                case -2:
                    sb.Append('[').Append(name).Append(']');
                    break;
                default:
                    sb.Append('[').Append(index).Append(']');
                    break;
            }
        }

        return sb.ToString();
    }
}
