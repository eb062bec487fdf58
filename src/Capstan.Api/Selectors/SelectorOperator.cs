namespace Capstan.Api.Selectors;

/// <summary>The operators of label and field selector requirements, as Kubernetes names them.</summary>
public enum SelectorOperator
{
    Equals,
    DoubleEquals,
    NotEquals,
    In,
    NotIn,
    Exists,
    DoesNotExist,
    GreaterThan,
    LessThan,
}
