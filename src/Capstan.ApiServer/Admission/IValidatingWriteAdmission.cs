using System.Text.Json.Nodes;
using Capstan.Api.Registry;
using Capstan.ApiServer.Objects;

namespace Capstan.ApiServer.Admission;

/// <summary>
/// A validating admission step on create and on spec update, run on the final object (after validation and the write
/// guards) just before it is stored; it refuses by throwing an <c>ApiException</c> and may write elsewhere first
/// (ResourceQuota charges its usage). An update that loses a race is checked again with the newer stored object.
/// </summary>
public interface IValidatingWriteAdmission
{
    string Name { get; }

    Task ValidateCreateAsync(ResourceInfo resource, JsonObject obj, WriteOptions options, CancellationToken ct);

    Task ValidateUpdateAsync(ResourceInfo resource, JsonObject obj, JsonObject old, WriteOptions options, CancellationToken ct);
}
