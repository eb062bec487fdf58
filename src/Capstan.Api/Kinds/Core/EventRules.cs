using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Core;

/// <summary>The rules of "new-style" events (with eventTime), shared by core/v1 and events.k8s.io/v1.</summary>
public static class EventRules
{
    public static void ValidateNewStyle(JsonObject obj, string controllerField, string instanceField, List<FieldError> errs)
    {
        if (!obj.Has("eventTime"))
        {
            errs.Add(FieldError.Required("eventTime"));
        }

        var controller = obj.StrOrEmpty(controllerField);
        if (controller.Length == 0)
        {
            errs.Add(FieldError.Required(controllerField));
        }
        else
        {
            errs.AddRange(NameFormats.IsQualifiedName(controller).Select(m => FieldError.Invalid(controllerField, controller, m)));
        }

        var instance = obj.StrOrEmpty(instanceField);
        if (instance.Length == 0)
        {
            errs.Add(FieldError.Required(instanceField));
        }
        else if (instance.Length > 128)
        {
            errs.Add(FieldError.Invalid(instanceField, "", "can have at most 128 characters"));
        }

        foreach (var field in new[] { "action", "reason" })
        {
            var value = obj.StrOrEmpty(field);
            if (value.Length == 0)
            {
                errs.Add(FieldError.Required(field));
            }
            else if (value.Length > 128)
            {
                errs.Add(FieldError.Invalid(field, "", "can have at most 128 characters"));
            }
        }
    }
}
