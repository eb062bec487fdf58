using System.Text;

namespace Capstan.Api.Selectors;

/// <summary>One requirement of a label selector: a key, an operator and its values (empty for Exists/DoesNotExist).</summary>
public sealed record LabelRequirement
{
    internal LabelRequirement(string key, SelectorOperator op, IReadOnlyList<string> values)
    {
        Key = key;
        Operator = op;
        Values = values;
    }

    public string Key { get; }

    public SelectorOperator Operator { get; }

    public IReadOnlyList<string> Values { get; }

    /// <summary>Builds a requirement, validating the key, values and value count as Kubernetes' NewRequirement does.</summary>
    public static LabelRequirement Create(string key, SelectorOperator op, IEnumerable<string> values)
    {
        var vals = values.ToArray();
        var errors = new List<string>();
        var keyErrors = LabelSyntax.KeyErrors(key);
        if (keyErrors.Count > 0)
        {
            errors.Add(LabelSyntax.Invalid("key", key, keyErrors));
        }

        var valuesText = "[" + string.Join(" ", vals) + "]";
        switch (op)
        {
            case SelectorOperator.In or SelectorOperator.NotIn when vals.Length == 0:
                errors.Add(LabelSyntax.Invalid("values", valuesText, ["for 'in', 'notin' operators, values set can't be empty"]));
                break;
            case SelectorOperator.Equals or SelectorOperator.DoubleEquals or SelectorOperator.NotEquals when vals.Length != 1:
                errors.Add(LabelSyntax.Invalid("values", valuesText, ["exact-match compatibility requires one single value"]));
                break;
            case SelectorOperator.Exists or SelectorOperator.DoesNotExist when vals.Length != 0:
                errors.Add(LabelSyntax.Invalid("values", valuesText, ["values set must be empty for exists and does not exist"]));
                break;
            case SelectorOperator.GreaterThan or SelectorOperator.LessThan:
                if (vals.Length != 1)
                {
                    errors.Add(LabelSyntax.Invalid("values", valuesText, ["for 'Gt', 'Lt' operators, exactly one value is required"]));
                }

                for (var i = 0; i < vals.Length; i++)
                {
                    if (!long.TryParse(vals[i], System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out _))
                    {
                        errors.Add(LabelSyntax.Invalid($"values[{i}]", vals[i], ["for 'Gt', 'Lt' operators, the value must be an integer"]));
                    }
                }

                break;
        }

        for (var i = 0; i < vals.Length; i++)
        {
            var valueErrors = LabelSyntax.ValueErrors(vals[i]);
            if (valueErrors.Count > 0)
            {
                errors.Add(LabelSyntax.Invalid($"values[{i}][{key}]", vals[i], valueErrors));
            }
        }

        if (errors.Count > 0)
        {
            throw new SelectorParseException(errors.Count == 1 ? errors[0] : "[" + string.Join(", ", errors) + "]");
        }

        return new LabelRequirement(key, op, vals);
    }

    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        var exists = labels.TryGetValue(Key, out var value);
        switch (Operator)
        {
            case SelectorOperator.In or SelectorOperator.Equals or SelectorOperator.DoubleEquals:
                return exists && Values.Contains(value!);
            case SelectorOperator.NotIn or SelectorOperator.NotEquals:
                return !exists || !Values.Contains(value!);
            case SelectorOperator.Exists:
                return exists;
            case SelectorOperator.DoesNotExist:
                return !exists;
            case SelectorOperator.GreaterThan or SelectorOperator.LessThan:
                if (!exists || Values.Count != 1
                    || !long.TryParse(value, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var actual)
                    || !long.TryParse(Values[0], System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var bound))
                {
                    return false;
                }

                return Operator == SelectorOperator.GreaterThan ? actual > bound : actual < bound;
            default:
                return false;
        }
    }

    /// <summary>Kubernetes' canonical text: <c>!k</c>, <c>k</c>, <c>k=v</c>, <c>k in (a,b)</c> with values sorted.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        if (Operator == SelectorOperator.DoesNotExist)
        {
            sb.Append('!');
        }

        sb.Append(Key);
        switch (Operator)
        {
            case SelectorOperator.Exists or SelectorOperator.DoesNotExist:
                return sb.ToString();
            case SelectorOperator.Equals:
                sb.Append('=');
                break;
            case SelectorOperator.DoubleEquals:
                sb.Append("==");
                break;
            case SelectorOperator.NotEquals:
                sb.Append("!=");
                break;
            case SelectorOperator.In:
                sb.Append(" in (");
                break;
            case SelectorOperator.NotIn:
                sb.Append(" notin (");
                break;
            case SelectorOperator.GreaterThan:
                sb.Append('>');
                break;
            case SelectorOperator.LessThan:
                sb.Append('<');
                break;
        }

        sb.Append(string.Join(",", Values.Order(StringComparer.Ordinal)));
        if (Operator is SelectorOperator.In or SelectorOperator.NotIn)
        {
            sb.Append(')');
        }

        return sb.ToString();
    }

    public bool Equals(LabelRequirement? other) =>
        other is not null && Key == other.Key && Operator == other.Operator && Values.SequenceEqual(other.Values);

    public override int GetHashCode() => HashCode.Combine(Key, Operator, Values.Count);
}
