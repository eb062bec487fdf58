using System.Text.Json.Nodes;

namespace Capstan.Api.Patch;

/// <summary>
/// A set of field paths as a tree, the shape of a managedFields entry's <c>fieldsV1</c>. A path is a list of elements in the
/// Kubernetes FieldsV1 notation: <c>f:&lt;field&gt;</c>, <c>k:{"name":"web"}</c> (map-list item by its keys),
/// <c>v:&lt;json&gt;</c> (set-list item by value) and <c>i:&lt;index&gt;</c>.
/// </summary>
public sealed class FieldSet
{
    private const string Self = ".";
    private readonly SortedDictionary<string, FieldSet> _children = new(StringComparer.Ordinal);

    /// <summary>True when the path to this node is itself in the set (a leaf, or a list item that also has fields).</summary>
    public bool IsMember { get; private set; }

    public IReadOnlyDictionary<string, FieldSet> Children => _children;

    public bool IsEmpty => !IsMember && _children.Count == 0;

    /// <summary>Decodes a <c>fieldsV1</c> object; element keys are normalized so that equal paths compare equal.</summary>
    public static FieldSet FromFieldsV1(JsonObject fieldsV1)
    {
        var set = new FieldSet();
        Decode(set, fieldsV1);
        return set;
    }

    public void Insert(IReadOnlyList<string> path)
    {
        var node = this;
        foreach (var element in path)
        {
            node = node.Child(element);
        }

        node.IsMember = true;
    }

    public bool Contains(IReadOnlyList<string> path) => Find(path)?.IsMember == true;

    /// <summary>True when the set holds <paramref name="path"/> or any path below it.</summary>
    public bool ContainsOrHasBelow(IReadOnlyList<string> path) => Find(path) is { IsEmpty: false };

    /// <summary>Removes <paramref name="path"/> itself (not the paths below it) and prunes emptied nodes.</summary>
    public void Remove(IReadOnlyList<string> path) => Remove(path, 0, subtree: false);

    /// <summary>Removes <paramref name="path"/> and every path below it.</summary>
    public void RemoveSubtree(IReadOnlyList<string> path) => Remove(path, 0, subtree: true);

    /// <summary>Every path in the set, parents before their children.</summary>
    public IEnumerable<IReadOnlyList<string>> Paths()
    {
        var prefix = new List<string>();
        return Walk(this, prefix);

        static IEnumerable<IReadOnlyList<string>> Walk(FieldSet node, List<string> prefix)
        {
            foreach (var (element, child) in node._children)
            {
                prefix.Add(element);
                if (child.IsMember)
                {
                    yield return prefix.ToArray();
                }

                foreach (var p in Walk(child, prefix))
                {
                    yield return p;
                }

                prefix.RemoveAt(prefix.Count - 1);
            }
        }
    }

    public void UnionWith(FieldSet other)
    {
        IsMember |= other.IsMember;
        foreach (var (element, child) in other._children)
        {
            Child(element).UnionWith(child);
        }
    }

    /// <summary>Removes every path of <paramref name="other"/> (each path itself, as <see cref="Remove"/>) and prunes emptied nodes.</summary>
    public void ExceptWith(FieldSet other)
    {
        if (ReferenceEquals(other, this))
        {
            IsMember = false;
            _children.Clear();
            return;
        }

        // Both trees walked together: no path arrays, and only the branches the two share are visited. The root (the
        // empty path) is not a path of either set, so its own membership stays.
        ExceptChildren(other);
    }

    private void ExceptChildren(FieldSet other)
    {
        List<string>? emptied = null;
        foreach (var (element, otherChild) in other._children)
        {
            if (!_children.TryGetValue(element, out var child))
            {
                continue;
            }

            if (otherChild.IsMember)
            {
                child.IsMember = false;
            }

            child.ExceptChildren(otherChild);
            if (child.IsEmpty)
            {
                (emptied ??= []).Add(element);
            }
        }

        if (emptied is not null)
        {
            foreach (var element in emptied)
            {
                _children.Remove(element);
            }
        }
    }

    /// <summary>Keeps only the paths that start with <paramref name="element"/> (the empty path is never a member).</summary>
    internal void RetainOnly(string element)
    {
        IsMember = false;
        if (_children.Count == 0 || (_children.Count == 1 && _children.ContainsKey(element)))
        {
            return;
        }

        var kept = _children.GetValueOrDefault(element);
        _children.Clear();
        if (kept is not null)
        {
            _children[element] = kept;
        }
    }

    public FieldSet Clone()
    {
        var copy = new FieldSet();
        copy.UnionWith(this);
        return copy;
    }

    /// <summary>Encodes the set as <c>fieldsV1</c>: a leaf is <c>{}</c>; a member with children carries <c>".": {}</c>.</summary>
    public JsonObject ToFieldsV1()
    {
        var obj = new JsonObject();
        if (IsMember && _children.Count > 0)
        {
            obj[Self] = new JsonObject();
        }

        foreach (var (element, child) in _children)
        {
            obj[element] = child.ToFieldsV1();
        }

        return obj;
    }

    /// <summary>A path as Kubernetes prints it in conflict messages: <c>.spec.containers[name="web"].image</c>.</summary>
    public static string FormatPath(IReadOnlyList<string> path)
    {
        var sb = new System.Text.StringBuilder();
        foreach (var element in path)
        {
            var body = element.Length > 2 ? element[2..] : string.Empty;
            switch (element[..Math.Min(2, element.Length)])
            {
                case "f:":
                    sb.Append('.').Append(body);
                    break;
                case "k:" when PathElements.ParseKey(body) is { } key:
                    sb.Append('[').AppendJoin(',', key.Select(p => $"{p.Key}={p.Value?.ToJsonString(PathElements.JsonOptions)}")).Append(']');
                    break;
                case "v:":
                    sb.Append("[=").Append(body).Append(']');
                    break;
                case "i:":
                    sb.Append('[').Append(body).Append(']');
                    break;
                default:
                    sb.Append('.').Append(element);
                    break;
            }
        }

        return sb.ToString();
    }

    public override string ToString() => ToFieldsV1().ToJsonString(PathElements.JsonOptions);

    private FieldSet Child(string element)
    {
        if (!_children.TryGetValue(element, out var child))
        {
            child = new FieldSet();
            _children[element] = child;
        }

        return child;
    }

    private FieldSet? Find(IReadOnlyList<string> path)
    {
        var node = this;
        foreach (var element in path)
        {
            if (!node._children.TryGetValue(element, out node))
            {
                return null;
            }
        }

        return node;
    }

    private void Remove(IReadOnlyList<string> path, int depth, bool subtree)
    {
        if (!_children.TryGetValue(path[depth], out var child))
        {
            return;
        }

        if (depth == path.Count - 1)
        {
            child.IsMember = false;
            if (subtree)
            {
                child._children.Clear();
            }
        }
        else
        {
            child.Remove(path, depth + 1, subtree);
        }

        if (child.IsEmpty)
        {
            _children.Remove(path[depth]);
        }
    }

    private static void Decode(FieldSet node, JsonObject obj)
    {
        foreach (var (key, value) in obj)
        {
            if (key == Self)
            {
                node.IsMember = true;
                continue;
            }

            var child = node.Child(PathElements.Normalize(key));
            if (value is JsonObject o && o.Count > 0)
            {
                Decode(child, o);
            }
            else
            {
                child.IsMember = true;
            }
        }
    }
}
