using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds;

/// <summary>Base for the per-kind strategies: no defaults and no rules unless a kind overrides them.</summary>
public abstract class KindStrategy : IKindStrategy
{
    public abstract string Group { get; }

    public abstract string Kind { get; }

    public virtual void Default(JsonObject obj)
    {
    }

    public IEnumerable<FieldError> Validate(JsonObject obj, JsonObject? old)
    {
        var errs = new List<FieldError>();
        ValidateObject(obj, errs);
        if (old is null)
        {
            ValidateCreate(obj, errs);
        }
        else
        {
            ValidateUpdate(obj, old, errs);
        }

        return errs;
    }

    public virtual bool AllowsStatusOnCreate => false;

    public virtual IEnumerable<FieldError> ValidateStatus(JsonObject obj, JsonObject old) => [];

    public virtual void PrepareForCreate(JsonObject obj)
    {
    }

    public virtual void PrepareForUpdate(JsonObject obj, JsonObject old)
    {
    }

    /// <summary>Rules every version of the object must satisfy (create and update).</summary>
    protected virtual void ValidateObject(JsonObject obj, List<FieldError> errs)
    {
    }

    /// <summary>Rules only a new object must satisfy.</summary>
    protected virtual void ValidateCreate(JsonObject obj, List<FieldError> errs)
    {
    }

    /// <summary>Rules on the transition from <paramref name="old"/> (immutable fields).</summary>
    protected virtual void ValidateUpdate(JsonObject obj, JsonObject old, List<FieldError> errs)
    {
    }
}
