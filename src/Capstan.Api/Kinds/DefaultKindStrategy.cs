namespace Capstan.Api.Kinds;

/// <summary>The strategy of a kind without rules of its own (reviews, ServiceAccount, ...): the generic object rules only.</summary>
public sealed class DefaultKindStrategy(string group, string kind) : KindStrategy
{
    public override string Group { get; } = group;

    public override string Kind { get; } = kind;
}
