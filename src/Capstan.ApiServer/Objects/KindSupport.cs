using System.Text.Json.Nodes;
using Capstan.Api.Registry;
using Capstan.Api.Kinds;
using Capstan.Api.Patch;
using Capstan.Api.Selectors;
using Capstan.Api.Tables;
using Capstan.Api.Validation;

namespace Capstan.ApiServer.Objects;

/// <summary>
/// The one place the request pipeline reaches the per-kind knowledge of Capstan.Api
/// (defaults, validation, tables, selectable fields, patch algorithms, schemas).
/// </summary>
public static class KindSupport
{
    public static void Default(ResourceInfo resource, JsonObject obj)
    {
        Normalize(resource, obj);
        KindStrategies.Find(resource.Group, resource.Kind)?.Default(obj);
    }

    /// <summary>Conversions the API does on decode: a Secret's write-only stringData is folded into data (base64).</summary>
    private static void Normalize(ResourceInfo resource, JsonObject obj)
    {
        if (resource.Group.Length == 0 && resource.Kind == "Secret" && obj["stringData"] is JsonObject stringData)
        {
            var data = obj["data"] as JsonObject ?? new JsonObject();
            foreach (var (key, value) in stringData)
            {
                var text = value is JsonValue v && v.TryGetValue<string>(out var str) ? str : value?.ToJsonString() ?? "";
                data[key] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(text));
            }

            obj["data"] = data;
            obj.Remove("stringData");
        }
    }

    public static IEnumerable<FieldError> ValidateMetadata(ResourceInfo resource, JsonObject obj, JsonObject? old) =>
        old is null
            ? ObjectMetaValidation.Validate(obj, resource.Group, resource.Kind, resource.Namespaced)
            : ObjectMetaValidation.ValidateUpdate(obj, old, resource.Group, resource.Kind);

    public static IEnumerable<FieldError> Validate(ResourceInfo resource, JsonObject obj, JsonObject? old) =>
        KindStrategies.Find(resource.Group, resource.Kind)?.Validate(obj, old) ?? [];

    public static IEnumerable<FieldError> ValidateStatus(ResourceInfo resource, JsonObject obj, JsonObject old) =>
        KindStrategies.Find(resource.Group, resource.Kind)?.ValidateStatus(obj, old) ?? [];

    public static void PrepareForCreate(ResourceInfo resource, JsonObject obj) =>
        KindStrategies.Find(resource.Group, resource.Kind)?.PrepareForCreate(obj);

    public static void PrepareForUpdate(ResourceInfo resource, JsonObject obj, JsonObject old) =>
        KindStrategies.Find(resource.Group, resource.Kind)?.PrepareForUpdate(obj, old);

    /// <summary>A field whose JSON type does not fit the model (Kubernetes' decoder rejects these with 400), or null.</summary>
    public static string? TypeMismatch(ResourceInfo resource, JsonObject obj) =>
        resource.ModelType is { } t ? Capstan.Api.Schema.FieldTypes.FindMismatch(t, obj) : null;

    /// <summary>Unknown fields as JSON paths ("spec.replicaz"), for fieldValidation Strict/Warn.</summary>
    public static IReadOnlyList<string> UnknownFields(ResourceInfo resource, JsonObject obj) =>
        resource.ModelType is { } t ? Capstan.Api.Schema.UnknownFields.Find(t, obj) : [];
}

/// <summary>A list or watch filter from ?labelSelector= and ?fieldSelector=.</summary>
public sealed class ObjectFilter(Func<IReadOnlyDictionary<string, string>, bool>? labels, Func<JsonObject, bool>? fields)
{
    public static ObjectFilter All { get; } = new(null, null);

    public bool IsEverything => labels is null && fields is null;

    public bool HasFieldSelector => fields is not null;

    public bool Matches(Caching.CachedObject obj) =>
        (labels is null || labels(obj.Labels)) && (fields is null || fields(ObjectCodec.Parse(obj)));

    public bool Matches(JsonObject obj, IReadOnlyDictionary<string, string> objLabels) =>
        (labels is null || labels(objLabels)) && (fields is null || fields(obj));
}

/// <summary>Patch algorithms and Table conversion reached through one seam.</summary>
public static class KindConversions
{
    /// <summary>Applies a JSON, merge or strategic-merge patch to a copy of <paramref name="current"/>.</summary>
    public static JsonObject ApplyPatch(ResourceInfo r, string mediaType, JsonObject current, JsonNode patch)
    {
        try
        {
            var result = mediaType switch
            {
                "application/json-patch+json" => JsonPatch.Apply(current, patch),
                "application/merge-patch+json" => MergePatch.Apply(current, patch),
                _ when patch is JsonObject smp && r.ModelType is { } t => StrategicMergePatch.Apply(current, smp, t),
                _ when patch is JsonObject => MergePatch.Apply(current, patch),
                _ => throw Http.ApiException.BadRequest("a strategic merge patch must be a JSON object"),
            };
            return result as JsonObject ?? throw Http.ApiException.BadRequest("the patch turned the object into something that is not a JSON object");
        }
        catch (PatchException ex)
        {
            throw ex.Kind == PatchErrorKind.Invalid
                ? new Http.ApiException(422, "Invalid", ex.Message)
                : Http.ApiException.BadRequest(ex.Message);
        }
    }

    /// <summary>Server-side apply of <paramref name="applied"/> onto <paramref name="live"/> (null when the object does not exist yet).</summary>
    public static JsonObject Apply(ResourceInfo r, JsonObject? live, JsonObject applied, string manager, bool force, DateTimeOffset now, string subresource = "")
    {
        ApplyResult result;
        try
        {
            result = ServerSideApply.Apply(live, applied, r.ModelType!, manager, force, now, subresource.Length == 0 ? null : subresource);
        }
        catch (PatchException ex)
        {
            throw ex.Kind == PatchErrorKind.Invalid ? new Http.ApiException(422, "Invalid", ex.Message) : Http.ApiException.BadRequest(ex.Message);
        }

        if (result.Succeeded)
        {
            return result.Object!;
        }

        var causes = new JsonArray();
        foreach (var c in result.Conflicts)
        {
            causes.Add(new JsonObject { ["reason"] = "FieldManagerConflict", ["message"] = c.Message, ["field"] = c.Field });
        }

        throw new Http.ApiException(409, "Conflict", result.ConflictMessage, new JsonObject { ["causes"] = causes });
    }

    /// <summary>A meta.k8s.io/v1 Table of <paramref name="objects"/>.</summary>
    public static JsonObject ToTable(ResourceInfo r, IReadOnlyList<JsonObject> objects, string includeObject, string? resourceVersion, string? continueToken, DateTimeOffset now)
    {
        try
        {
            return TableBuilder.Build(TableConverters.For(r.Group, r.Kind), objects, includeObject, resourceVersion, continueToken, null, now);
        }
        catch (ArgumentException ex)
        {
            throw Http.ApiException.BadRequest(ex.Message);
        }
    }

    /// <summary>Parses ?labelSelector= and ?fieldSelector= for <paramref name="r"/>; malformed selectors are a 400.</summary>
    public static ObjectFilter Filter(ResourceInfo r, string? labelSelector, string? fieldSelector)
    {
        Func<IReadOnlyDictionary<string, string>, bool>? labels = null;
        Func<JsonObject, bool>? fields = null;
        if (!string.IsNullOrWhiteSpace(labelSelector))
        {
            if (!LabelSelector.TryParse(labelSelector, out var selector, out var error))
            {
                throw Http.ApiException.BadRequest(error ?? "invalid label selector");
            }

            if (!selector.IsEmpty)
            {
                labels = selector.Matches;
            }
        }

        if (!string.IsNullOrWhiteSpace(fieldSelector))
        {
            if (!FieldSelector.TryParse(fieldSelector, out var selector, out var error))
            {
                throw Http.ApiException.BadRequest(error ?? "invalid field selector");
            }

            var set = FieldSets.For(r.Group, r.Kind);
            var problem = set.Validate(selector, out var normalized);
            if (problem is not null)
            {
                throw Http.ApiException.BadRequest(problem);
            }

            if (!normalized.IsEmpty)
            {
                fields = obj => set.Matches(normalized, obj);
            }
        }

        return labels is null && fields is null ? ObjectFilter.All : new ObjectFilter(labels, fields);
    }

    /// <summary>The string form of a metav1.LabelSelector (for Scale.status.selector).</summary>
    public static string SelectorString(JsonNode? selector) =>
        selector is JsonObject && LabelSelector.TryFromObject(selector, out var parsed, out _) ? parsed.ToString() : "";
}
