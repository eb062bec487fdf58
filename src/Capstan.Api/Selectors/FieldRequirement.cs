namespace Capstan.Api.Selectors;

/// <summary>One term of a field selector: <c>field=value</c> (Equals/DoubleEquals) or <c>field!=value</c>; the value is unescaped.</summary>
public sealed record FieldRequirement(string Field, SelectorOperator Operator, string Value)
{
    /// <summary>A missing field reads as "", as in Kubernetes.</summary>
    public bool Matches(IReadOnlyDictionary<string, string> fields)
    {
        var actual = fields.TryGetValue(Field, out var v) ? v : "";
        return Operator == SelectorOperator.NotEquals ? actual != Value : actual == Value;
    }

    public override string ToString() =>
        Field + (Operator == SelectorOperator.NotEquals ? "!=" : "=") + FieldSelector.EscapeValue(Value);
}
