using System.Text.Json.Nodes;
using Capstan.Api.Registry;
using Capstan.Api.Validation;

namespace Capstan.ApiServer.Admission;

/// <summary>A validating admission step on update (spec, not status), run after the kind's own update validation.</summary>
public interface IValidatingUpdateAdmission
{
    string Name { get; }

    IEnumerable<FieldError> ValidateUpdate(ResourceInfo resource, JsonObject updated, JsonObject old);
}
