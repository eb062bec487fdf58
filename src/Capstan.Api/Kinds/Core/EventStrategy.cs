using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Core;

/// <summary>core/v1 Events: the involved object's namespace must match the event's (legacy events without eventTime).</summary>
public sealed class EventStrategy : KindStrategy
{
    public override string Group => "";

    public override string Kind => "Event";

    protected override void ValidateObject(JsonObject obj, List<FieldError> errs)
    {
        var ns = obj.Obj("metadata")?.StrOrEmpty("namespace") ?? "";
        var involvedNs = obj.Obj("involvedObject")?.StrOrEmpty("namespace") ?? "";
        if (!obj.Has("eventTime"))
        {
            var ok = involvedNs.Length == 0 ? ns is "" or "default" : ns == involvedNs;
            if (!ok)
            {
                errs.Add(FieldError.Invalid("involvedObject.namespace", involvedNs, "does not match event.namespace"));
            }
        }
        else
        {
            EventRules.ValidateNewStyle(obj, "reportingComponent", "reportingInstance", errs);
        }

        if (obj.Str("type") is { Length: > 0 } type && type is not ("Normal" or "Warning"))
        {
            errs.Add(FieldError.Invalid("type", "", $"has invalid value: {type}"));
        }
    }
}
