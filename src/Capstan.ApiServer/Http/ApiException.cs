using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.ApiServer.Http;

/// <summary>An expected failure of a request, carried to the response as a metav1.Status with its HTTP code and reason.</summary>
public sealed class ApiException(int code, string reason, string message, JsonObject? details = null) : Exception(message)
{
    public int Code { get; } = code;

    public string Reason { get; } = reason;

    public JsonObject? Details { get; } = details;

    public JsonObject ToStatus() => StatusObjects.Failure(Code, Reason, Message, Details?.DeepClone().AsObject());

    public static ApiException NotFound(string groupResource, string name) =>
        new(404, "NotFound", $"{groupResource} \"{name}\" not found", Detail(groupResource, name));

    public static ApiException AlreadyExists(string groupResource, string name) =>
        new(409, "AlreadyExists", $"{groupResource} \"{name}\" already exists", Detail(groupResource, name));

    public static ApiException Conflict(string groupResource, string name, string why) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {groupResource} \"{name}\": {why}", Detail(groupResource, name));

    public static ApiException BadRequest(string message) => new(400, "BadRequest", message);

    public static ApiException Forbidden(string message, string? groupResource = null, string? name = null) =>
        new(403, "Forbidden", message, groupResource is null ? null : Detail(groupResource, name ?? ""));

    public static ApiException Unauthorized() => new(401, "Unauthorized", "Unauthorized");

    public static ApiException MethodNotAllowed(string message) => new(405, "MethodNotAllowed", message);

    public static ApiException Gone(string message) => new(410, "Expired", message);

    public static ApiException UnsupportedMediaType(string contentType) =>
        new(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf; got \"{contentType}\"");

    public static ApiException TooLarge(string message) => new(413, "RequestEntityTooLarge", message);

    public static ApiException Invalid(string qualifiedKind, string name, IReadOnlyList<FieldError> errors)
    {
        var causes = new JsonArray();
        foreach (var e in errors)
        {
            causes.Add(new JsonObject { ["reason"] = e.Reason, ["message"] = e.Message, ["field"] = e.Field });
        }

        var dot = qualifiedKind.IndexOf('.');
        var details = new JsonObject
        {
            ["name"] = name,
            ["group"] = dot < 0 ? "" : qualifiedKind[(dot + 1)..],
            ["kind"] = dot < 0 ? qualifiedKind : qualifiedKind[..dot],
            ["causes"] = causes,
        };
        var list = errors.Count == 1 ? errors[0].ToString() : "[" + string.Join(", ", errors.Select(e => e.ToString())) + "]";
        return new ApiException(422, "Invalid", $"{qualifiedKind} \"{name}\" is invalid: {list}", details);
    }

    private static JsonObject Detail(string groupResource, string name)
    {
        var dot = groupResource.IndexOf('.');
        return new JsonObject
        {
            ["name"] = name,
            ["group"] = dot < 0 ? "" : groupResource[(dot + 1)..],
            ["kind"] = dot < 0 ? groupResource : groupResource[..dot],
        };
    }
}
