using System.Text.Json.Nodes;
using Capstan.Api.Kinds.Core;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Events;

/// <summary>events.k8s.io/v1 Events: eventTime, reportingController, reportingInstance, action and reason are required.</summary>
public sealed class EventStrategy : KindStrategy
{
    public override string Group => "events.k8s.io";

    public override string Kind => "Event";

    protected override void ValidateObject(JsonObject obj, List<FieldError> errs)
    {
        EventRules.ValidateNewStyle(obj, "reportingController", "reportingInstance", errs);
        var type = obj.StrOrEmpty("type");
        if (type is not ("Normal" or "Warning"))
        {
            errs.Add(FieldError.Invalid("type", "", $"has invalid value: {type}"));
        }

        if (obj.StrOrEmpty("note").Length > 1024)
        {
            errs.Add(FieldError.Invalid("note", "", "can have at most 1024 characters"));
        }

        foreach (var field in new[] { "deprecatedFirstTimestamp", "deprecatedLastTimestamp", "deprecatedCount", "deprecatedSource" })
        {
            if (obj[field] is { } value && value is not JsonObject { Count: 0 } && JsonAccess.AsLong(value) != 0)
            {
                errs.Add(FieldError.Invalid(field, "", "needs to be unset"));
            }
        }
    }
}
