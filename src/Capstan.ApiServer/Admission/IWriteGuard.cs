using System.Text.Json.Nodes;
using Capstan.Api.Registry;
using Capstan.ApiServer.Objects;

namespace Capstan.ApiServer.Admission;

/// <summary>
/// A check on the final object of a create or update, with the requesting user (<see cref="WriteOptions.User"/>), run
/// after validation and before the object is stored; it refuses by throwing an <c>ApiException</c>. Writes the server makes
/// itself carry no user and are not checked. <paramref name="old"/> is null on create.
/// </summary>
public interface IWriteGuard
{
    void Check(ResourceInfo resource, JsonObject obj, JsonObject? old, WriteOptions options);
}
