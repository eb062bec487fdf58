using System.Text.Json.Nodes;
using Capstan.Api.Registry;
using Capstan.ApiServer.Objects;

namespace Capstan.ApiServer.Admission;

/// <summary>
/// A validating admission step on create, run on the final object (after validation and the write guards) just before it is
/// stored; it refuses by throwing an <c>ApiException</c> and may write elsewhere first (ResourceQuota charges its usage).
/// </summary>
public interface IValidatingCreateAdmission
{
    string Name { get; }

    Task ValidateCreateAsync(ResourceInfo resource, JsonObject obj, WriteOptions options, CancellationToken ct);
}
