using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Capstan.Api.Registry;
using Capstan.ApiServer.Caching;
using Capstan.ApiServer.Http;
using Capstan.ApiServer.Objects;
using Microsoft.AspNetCore.Http;

namespace Capstan.ApiServer.Handlers;

/// <summary>The REST verbs of every stored resource: get, list, watch, create, update, patch, delete, deletecollection, and the status and scale subresources.</summary>
public sealed partial class ResourceEndpoint(ResourceStore store)
{
    private static readonly TimeSpan BookmarkInterval = TimeSpan.FromSeconds(15);

    public async Task HandleAsync(HttpContext http, RequestInfo info, ResourceInfo r, string userName)
    {
        var ct = http.RequestAborted;
        var q = http.Request.Query;
        var method = http.Request.Method;
        var sub = info.Subresource;
        var ns = r.Namespaced ? info.Namespace : "";
        if (r.Namespaced && info.Namespace.Length == 0 && method is not ("GET" or "HEAD") && !(method == "DELETE" && info.Name.Length == 0))
        {
            throw ApiException.NotFound(r.GroupResource, info.Name);
        }

        if (sub.Length > 0 && !r.Subresources.Contains(sub))
        {
            throw new ApiException(404, "NotFound", "the server could not find the requested resource");
        }

        switch (method)
        {
            case "GET" or "HEAD" when info.Verb == "watch":
                await WatchAsync(http, r, ns, info.Name, ct).ConfigureAwait(false);
                return;
            case "GET" or "HEAD" when info.Name.Length == 0:
                await ListAsync(http, r, ns, ct).ConfigureAwait(false);
                return;
            case "GET" or "HEAD":
                var got = await store.GetAsync(r, ns, info.Name, ct).ConfigureAwait(false);
                if (sub == "scale")
                {
                    await ResponseWriter.WriteAsync(http, 200, Scale.From(r, got)).ConfigureAwait(false);
                }
                else
                {
                    await WriteObjectAsync(http, r, 200, got, []).ConfigureAwait(false);
                }

                return;
            case "POST" when info.Name.Length == 0:
                await CreateAsync(http, r, ns, userName, ct).ConfigureAwait(false);
                return;
            case "POST" when sub is "binding" or "eviction":
                await PodActions.HandleAsync(http, store, r, ns, info.Name, sub, Options(http, userName)).ConfigureAwait(false);
                return;
            case "PUT" when info.Name.Length > 0:
                await ReplaceAsync(http, r, ns, info.Name, sub, userName, ct).ConfigureAwait(false);
                return;
            case "PATCH" when info.Name.Length > 0:
                await PatchAsync(http, r, ns, info.Name, sub, userName, ct).ConfigureAwait(false);
                return;
            case "DELETE" when info.Name.Length > 0 && sub.Length == 0:
                await DeleteAsync(http, r, ns, info.Name, ct).ConfigureAwait(false);
                return;
            case "DELETE" when info.Name.Length == 0:
                await DeleteCollectionAsync(http, r, ns, ct).ConfigureAwait(false);
                return;
            default:
                throw ApiException.MethodNotAllowed($"the server does not allow this method on the requested resource");
        }
    }

    private static WriteOptions Options(HttpContext http, string userName)
    {
        var q = http.Request.Query;
        var dryRun = q["dryRun"].ToString();
        if (dryRun.Length > 0 && dryRun != "All")
        {
            throw ApiException.BadRequest($"Invalid dry run value: {dryRun}; supported values: \"All\"");
        }

        var validation = q["fieldValidation"].ToString();
        if (validation.Length > 0 && validation is not ("Strict" or "Warn" or "Ignore"))
        {
            throw ApiException.BadRequest($"fieldValidation must be one of: Ignore, Warn, Strict; got \"{validation}\"");
        }

        var manager = q["fieldManager"].ToString();
        if (manager.Length == 0)
        {
            var agent = http.Request.Headers.UserAgent.ToString();
            var slash = agent.IndexOf('/');
            manager = slash > 0 ? agent[..slash] : agent.Length > 0 ? agent : "unknown";
        }

        return new WriteOptions
        {
            DryRun = dryRun == "All",
            FieldManager = manager.Length > 128 ? manager[..128] : manager,
            FieldValidation = validation.Length == 0 ? "Warn" : validation,
            UserName = userName,
            User = http.Items.TryGetValue(typeof(Security.UserInfo), out var user) ? user as Security.UserInfo : null,
        };
    }

    private async Task CreateAsync(HttpContext http, ResourceInfo r, string ns, string userName, CancellationToken ct)
    {
        var (body, duplicates) = await BodyReader.ReadObjectWithDuplicatesAsync(http.Request, ct).ConfigureAwait(false);
        CheckTypeMeta(r, body);
        var options = Options(http, userName);
        CheckDuplicates(duplicates, options);
        var created = await store.CreateAsync(r, ns, body, options, ct).ConfigureAwait(false);
        await WriteObjectAsync(http, r, 201, created, options.Warnings).ConfigureAwait(false);
    }

    private async Task ReplaceAsync(HttpContext http, ResourceInfo r, string ns, string name, string sub, string userName, CancellationToken ct)
    {
        var (body, duplicates) = await BodyReader.ReadObjectWithDuplicatesAsync(http.Request, ct).ConfigureAwait(false);
        var options = Options(http, userName);
        CheckDuplicates(duplicates, options);
        JsonObject result;
        if (sub == "scale")
        {
            var replicas = ObjectMeta.Long(body["spec"]?["replicas"]) ?? 0;
            var rv = ObjectMeta.ResourceVersion(body);
            result = await store.UpdateAsync(r, ns, name, "", current =>
            {
                Scale.SetReplicas(r, current, replicas);
                if (rv.Length > 0)
                {
                    ObjectMeta.Metadata(current)["resourceVersion"] = rv;
                }

                return current;
            }, options, ct).ConfigureAwait(false);
            await ResponseWriter.WriteAsync(http, 200, Scale.From(r, result), options.Warnings).ConfigureAwait(false);
            return;
        }

        CheckTypeMeta(r, body);
        if (sub == "finalize")
        {
            var finalizers = body["spec"]?["finalizers"]?.DeepClone();
            var rv = ObjectMeta.ResourceVersion(body);
            result = await store.UpdateAsync(r, ns, name, "finalize", current =>
            {
                var spec = current["spec"] as JsonObject ?? new JsonObject();
                current["spec"] = spec;
                spec["finalizers"] = finalizers ?? new JsonArray();
                if (rv.Length > 0)
                {
                    ObjectMeta.Metadata(current)["resourceVersion"] = rv;
                }

                return current;
            }, options, ct).ConfigureAwait(false);
        }
        else
        {
            result = await store.UpdateAsync(r, ns, name, sub, _ => body.DeepClone().AsObject(), options, ct).ConfigureAwait(false);
        }

        await WriteObjectAsync(http, r, 200, result, options.Warnings).ConfigureAwait(false);
    }

    private async Task PatchAsync(HttpContext http, ResourceInfo r, string ns, string name, string sub, string userName, CancellationToken ct)
    {
        var mediaType = BodyReader.MediaType(http.Request.ContentType);
        if (mediaType is not ("application/json-patch+json" or "application/merge-patch+json" or "application/strategic-merge-patch+json" or "application/apply-patch+yaml"))
        {
            throw new ApiException(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json");
        }

        var bytes = await BodyReader.ReadBytesAsync(http.Request, ct).ConfigureAwait(false);
        var patch = BodyReader.Parse(bytes, mediaType == "application/apply-patch+yaml" ? "application/yaml" : "application/json");
        var options = Options(http, userName);
        var now = store.Time.GetUtcNow();
        JsonObject result;
        if (mediaType == "application/apply-patch+yaml")
        {
            if (patch is not JsonObject applied)
            {
                throw ApiException.BadRequest("the apply configuration must be an object");
            }

            if (http.Request.Query["fieldManager"].ToString().Length == 0)
            {
                throw ApiException.BadRequest("fieldManager is required for apply requests");
            }

            CheckTypeMeta(r, applied);
            options = new WriteOptions
            {
                DryRun = options.DryRun,
                FieldManager = options.FieldManager,
                FieldValidation = options.FieldValidation,
                UserName = options.UserName,
                // Guards that judge the requester (RBAC escalation, CSR approval) need them on apply as on any write.
                User = options.User,
                IsApply = true,
            };
            var force = http.Request.Query["force"].ToString() == "true";
            result = await store.UpdateAsync(r, ns, name, sub, current => KindConversions.Apply(r, current, applied, options.FieldManager, force, now, sub), options, ct,
                createIfMissing: async () =>
                {
                    var fresh = KindConversions.Apply(r, null, applied, options.FieldManager, force, now);
                    var meta = ObjectMeta.Metadata(fresh);
                    meta["name"] = name;
                    return await store.CreateAsync(r, ns, fresh, options, ct).ConfigureAwait(false);
                }).ConfigureAwait(false);
        }
        else if (sub == "scale")
        {
            result = await store.UpdateAsync(r, ns, name, "", current =>
            {
                var scale = Scale.From(r, current);
                var patched = KindConversions.ApplyPatch(r, mediaType, scale, patch!);
                Scale.SetReplicas(r, current, ObjectMeta.Long(patched["spec"]?["replicas"]) ?? 0);
                return current;
            }, options, ct).ConfigureAwait(false);
            await ResponseWriter.WriteAsync(http, 200, Scale.From(r, result), options.Warnings).ConfigureAwait(false);
            return;
        }
        else
        {
            result = await store.UpdateAsync(r, ns, name, sub, current =>
            {
                var rv = ObjectMeta.ResourceVersion(current);
                var patched = KindConversions.ApplyPatch(r, mediaType, current, patch!);

                // The stored version is the precondition only if the patch itself names one.
                if (ObjectMeta.ResourceVersion(patched) == rv)
                {
                    ObjectMeta.Metadata(patched).Remove("resourceVersion");
                }

                return patched;
            }, options, ct).ConfigureAwait(false);
        }

        await WriteObjectAsync(http, r, 200, result, options.Warnings).ConfigureAwait(false);
    }

    private async Task DeleteAsync(HttpContext http, ResourceInfo r, string ns, string name, CancellationToken ct)
    {
        var options = await DeleteOptionsAsync(http, ct).ConfigureAwait(false);
        var (obj, deleted) = await store.DeleteAsync(r, ns, name, options, ct).ConfigureAwait(false);
        if (deleted && !(r.Group.Length == 0 && r.Kind is "Pod" or "Service"))
        {
            await ResponseWriter.WriteAsync(http, 200, StatusObjects.Success(new JsonObject
            {
                ["name"] = name,
                ["group"] = r.Group,
                ["kind"] = r.Plural,
                ["uid"] = ObjectMeta.Uid(obj),
            })).ConfigureAwait(false);
            return;
        }

        await WriteObjectAsync(http, r, deleted ? 200 : 202, obj, []).ConfigureAwait(false);
    }

    private async Task DeleteCollectionAsync(HttpContext http, ResourceInfo r, string ns, CancellationToken ct)
    {
        var options = await DeleteOptionsAsync(http, ct).ConfigureAwait(false);
        var filter = KindConversions.Filter(r, http.Request.Query["labelSelector"], http.Request.Query["fieldSelector"]);
        await store.Cache.SyncAsync(ct).ConfigureAwait(false);
        var prefix = ns.Length > 0 ? r.NamespacePrefix(ns) : r.StoragePrefix;
        var items = new JsonArray();
        foreach (var cached in store.Cache.For(r).List(prefix).Where(filter.Matches))
        {
            try
            {
                var (obj, _) = await store.DeleteAsync(r, cached.Namespace, cached.Name, options, ct).ConfigureAwait(false);
                items.Add(obj);
            }
            catch (ApiException ex) when (ex.Code == 404)
            {
            }
        }

        await ResponseWriter.WriteAsync(http, 200, new JsonObject
        {
            ["kind"] = r.ListKind,
            ["apiVersion"] = r.GroupVersion,
            ["metadata"] = new JsonObject(),
            ["items"] = items,
        }).ConfigureAwait(false);
    }

    private static async Task<DeleteOptions> DeleteOptionsAsync(HttpContext http, CancellationToken ct)
    {
        var q = http.Request.Query;
        JsonObject? body = null;
        if (http.Request.ContentLength is > 0 || http.Request.Headers.TransferEncoding.Count > 0)
        {
            var bytes = await BodyReader.ReadBytesAsync(http.Request, ct).ConfigureAwait(false);
            if (bytes.Length > 0)
            {
                body = BodyReader.Parse(bytes, BodyReader.MediaType(http.Request.ContentType)) as JsonObject;
            }
        }

        long? grace = body?["gracePeriodSeconds"] is { } g ? ObjectMeta.Long(g)
            : long.TryParse(q["gracePeriodSeconds"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var qg) ? qg : null;
        var policy = ObjectMeta.Str(body?["propagationPolicy"]);
        if (policy.Length == 0)
        {
            policy = q["propagationPolicy"].ToString();
        }

        if (policy.Length == 0 && (body?["orphanDependents"]?.GetValueKind() == JsonValueKind.True || q["orphanDependents"] == "true"))
        {
            policy = "Orphan";
        }

        if (policy.Length > 0 && policy is not ("Orphan" or "Background" or "Foreground"))
        {
            throw new ApiException(422, "Invalid", $"DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: \"{policy}\": supported values: \"Foreground\", \"Background\", \"Orphan\"");
        }

        if (grace is < 0)
        {
            grace = 0;
        }

        var dryRun = body?["dryRun"] is JsonArray d && d.Any(x => ObjectMeta.Str(x) == "All") || q["dryRun"] == "All";
        return new DeleteOptions
        {
            GracePeriodSeconds = grace,
            PropagationPolicy = policy.Length == 0 ? null : policy,
            PreconditionUid = ObjectMeta.Str(body?["preconditions"]?["uid"]),
            PreconditionResourceVersion = ObjectMeta.Str(body?["preconditions"]?["resourceVersion"]),
            DryRun = dryRun,
        };
    }

    private static void CheckTypeMeta(ResourceInfo r, JsonObject body)
    {
        var apiVersion = ObjectMeta.Str(body["apiVersion"]);
        var kind = ObjectMeta.Str(body["kind"]);
        if (kind.Length == 0 && apiVersion.Length == 0)
        {
            body["apiVersion"] = r.GroupVersion;
            body["kind"] = r.Kind;
            return;
        }

        if (kind.Length == 0)
        {
            throw ApiException.BadRequest("Object 'Kind' is missing in '" + Truncate(body.ToJsonString()) + "'");
        }

        if (apiVersion.Length == 0)
        {
            throw ApiException.BadRequest("Object 'apiVersion' is missing in '" + Truncate(body.ToJsonString()) + "'");
        }

        if (kind != r.Kind || apiVersion != r.GroupVersion)
        {
            throw ApiException.BadRequest(
                $"the API version in the data ({apiVersion}) does not match the expected API version ({r.GroupVersion})" is var m && apiVersion != r.GroupVersion
                    ? m
                    : $"the kind in the data ({kind}) does not match the expected kind ({r.Kind})");
        }
    }

    private static void CheckDuplicates(IReadOnlyList<string> duplicates, WriteOptions options)
    {
        if (duplicates.Count == 0 || options.FieldValidation == "Ignore")
        {
            return;
        }

        var messages = duplicates.Select(d => $"duplicate field \"{d.TrimStart('.')}\"").ToList();
        if (options.FieldValidation == "Strict")
        {
            throw ApiException.BadRequest("strict decoding error: " + string.Join(", ", messages));
        }

        options.Warnings.AddRange(messages);
    }

    private static string Truncate(string s) => s.Length > 200 ? s[..200] + "..." : s;

    private static bool WantsTable(HttpContext http) =>
        http.Request.Headers.Accept.ToString().Contains("as=Table", StringComparison.Ordinal);

    /// <summary>Metadata-only clients (the garbage collector) ask for as=PartialObjectMetadata(List) and get just each object's metadata.</summary>
    private static bool WantsPartialMetadata(HttpContext http) =>
        http.Request.Headers.Accept.ToString().Contains("as=PartialObjectMetadata", StringComparison.Ordinal);

    private static JsonObject PartialObjectMetadata(JsonObject obj) => new()
    {
        ["kind"] = "PartialObjectMetadata",
        ["apiVersion"] = "meta.k8s.io/v1",
        ["metadata"] = obj["metadata"]?.DeepClone(),
    };

    private async Task WriteObjectAsync(HttpContext http, ResourceInfo r, int code, JsonObject obj, IEnumerable<string> warnings)
    {
        if (WantsPartialMetadata(http) && !WantsTable(http))
        {
            await ResponseWriter.WriteAsync(http, code, PartialObjectMetadata(obj), warnings).ConfigureAwait(false);
            return;
        }

        if (WantsTable(http))
        {
            var table = KindConversions.ToTable(r, [obj], IncludeObject(http), ObjectMeta.ResourceVersion(obj), null, store.Time.GetUtcNow());
            await ResponseWriter.WriteAsync(http, code, table, warnings).ConfigureAwait(false);
            return;
        }

        await ResponseWriter.WriteAsync(http, code, obj, warnings).ConfigureAwait(false);
    }

    private static string IncludeObject(HttpContext http)
    {
        var v = http.Request.Query["includeObject"].ToString();
        return v.Length == 0 ? "Metadata" : v;
    }
}
