using System.Text;

namespace Capstan.Api.Selectors;

/// <summary>
/// A parsed field selector (<c>?fieldSelector=</c>): terms <c>field=value</c>, <c>field==value</c> or <c>field!=value</c>
/// joined by commas, all of which must match. In values, <c>\</c>, <c>,</c> and <c>=</c> are escaped with a backslash.
/// Whether each field is supported for a kind is checked by <see cref="FieldSet.Validate"/>.
/// </summary>
public sealed class FieldSelector
{
    private FieldSelector(IReadOnlyList<FieldRequirement> requirements) => Requirements = requirements;

    public static FieldSelector Everything { get; } = new([]);

    /// <summary>The terms, sorted by their text as Kubernetes does.</summary>
    public IReadOnlyList<FieldRequirement> Requirements { get; }

    public bool IsEmpty => Requirements.Count == 0;

    /// <summary>Parses the string form; throws <see cref="SelectorParseException"/> with Kubernetes' message when malformed.</summary>
    public static FieldSelector Parse(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return Everything;
        }

        var terms = SplitTerms(text);
        terms.Sort(StringComparer.Ordinal);
        var requirements = new List<FieldRequirement>();
        foreach (var term in terms)
        {
            if (term.Length == 0)
            {
                continue;
            }

            if (!SplitTerm(term, out var lhs, out var op, out var rhs))
            {
                throw new SelectorParseException($"invalid selector: '{text}'; can't understand '{term}'");
            }

            requirements.Add(new FieldRequirement(lhs, op, UnescapeValue(rhs)));
        }

        return requirements.Count == 0 ? Everything : new FieldSelector(requirements);
    }

    public static bool TryParse(string? text, out FieldSelector selector, out string? error)
    {
        try
        {
            selector = Parse(text);
            error = null;
            return true;
        }
        catch (SelectorParseException e)
        {
            selector = Everything;
            error = e.Message;
            return false;
        }
    }

    /// <summary>A selector of Equals terms, one per entry (e.g. <c>metadata.name=foo</c> for a watch on one object).</summary>
    public static FieldSelector FromFields(IReadOnlyDictionary<string, string> fields) =>
        new(fields.Select(kv => new FieldRequirement(kv.Key, SelectorOperator.Equals, kv.Value))
            .OrderBy(r => r.ToString(), StringComparer.Ordinal)
            .ToList());

    public bool Matches(IReadOnlyDictionary<string, string> fields)
    {
        foreach (var requirement in Requirements)
        {
            if (!requirement.Matches(fields))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The value an Equals term demands for <paramref name="field"/>, if any (lets a server narrow a list by name).</summary>
    public string? RequiresExactMatch(string field) =>
        Requirements.FirstOrDefault(r => r.Field == field && r.Operator != SelectorOperator.NotEquals)?.Value;

    /// <summary>A copy with field names rewritten (e.g. the legacy alias <c>spec.host</c> to <c>spec.nodeName</c>).</summary>
    public FieldSelector Rename(Func<string, string> rename) =>
        IsEmpty ? this : new FieldSelector(Requirements.Select(r => r with { Field = rename(r.Field) }).ToList());

    public override string ToString() => string.Join(",", Requirements.Select(r => r.ToString()));

    /// <summary>Escapes a literal value for use in a field selector.</summary>
    public static string EscapeValue(string value) =>
        value.Replace(@"\", @"\\", StringComparison.Ordinal).Replace(",", @"\,", StringComparison.Ordinal).Replace("=", @"\=", StringComparison.Ordinal);

    /// <summary>Unescapes a field selector value; unescaped <c>,</c>/<c>=</c> and unknown escapes are errors.</summary>
    public static string UnescapeValue(string value)
    {
        if (value.AsSpan().IndexOfAny('\\', ',', '=') < 0)
        {
            return value;
        }

        var sb = new StringBuilder(value.Length);
        var inSlash = false;
        foreach (var c in value)
        {
            if (inSlash)
            {
                if (c is not ('\\' or ',' or '='))
                {
                    throw new SelectorParseException($"invalid field selector: invalid escape sequence: \\{c}");
                }

                sb.Append(c);
                inSlash = false;
                continue;
            }

            switch (c)
            {
                case '\\':
                    inSlash = true;
                    break;
                case ',' or '=':
                    throw new SelectorParseException($"invalid field selector: unescaped character in value: {(int)c}");
                default:
                    sb.Append(c);
                    break;
            }
        }

        if (inSlash)
        {
            throw new SelectorParseException("invalid field selector: invalid escape sequence: \\");
        }

        return sb.ToString();
    }

    // Escaped commas stay inside their term, backslash included; UnescapeValue removes it later.
    private static List<string> SplitTerms(string text)
    {
        var terms = new List<string>();
        var start = 0;
        var inSlash = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (inSlash)
            {
                inSlash = false;
            }
            else if (c == '\\')
            {
                inSlash = true;
            }
            else if (c == ',')
            {
                terms.Add(text[start..i]);
                start = i + 1;
            }
        }

        terms.Add(text[start..]);
        return terms;
    }

    // The first operator occurrence splits the term; "!=" and "==" are tried before "=" at each position.
    private static bool SplitTerm(string term, out string lhs, out SelectorOperator op, out string rhs)
    {
        for (var i = 0; i < term.Length; i++)
        {
            var rest = term.AsSpan(i);
            if (rest.StartsWith("!="))
            {
                (lhs, op, rhs) = (term[..i], SelectorOperator.NotEquals, term[(i + 2)..]);
                return true;
            }

            if (rest.StartsWith("=="))
            {
                (lhs, op, rhs) = (term[..i], SelectorOperator.DoubleEquals, term[(i + 2)..]);
                return true;
            }

            if (rest.StartsWith("="))
            {
                (lhs, op, rhs) = (term[..i], SelectorOperator.Equals, term[(i + 1)..]);
                return true;
            }
        }

        (lhs, op, rhs) = ("", SelectorOperator.Equals, "");
        return false;
    }
}
