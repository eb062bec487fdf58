using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Capstan.Api.Registry;
using Capstan.ApiServer.Caching;
using Capstan.ApiServer.Http;
using Capstan.ApiServer.Objects;
using Capstan.Storage;
using Microsoft.AspNetCore.Http;

namespace Capstan.ApiServer.Handlers;

public sealed partial class ResourceEndpoint
{
    private async Task ListAsync(HttpContext http, ResourceInfo r, string ns, CancellationToken ct)
    {
        var q = http.Request.Query;
        var filter = KindConversions.Filter(r, q["labelSelector"], q["fieldSelector"]);
        var limit = int.TryParse(q["limit"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) && l > 0 ? l : 0;
        var continueToken = q["continue"].ToString();
        var rvParam = q["resourceVersion"].ToString();
        var match = q["resourceVersionMatch"].ToString();
        var prefix = ns.Length > 0 ? r.NamespacePrefix(ns) : r.StoragePrefix;

        long listRevision;
        List<CachedObject> items;
        string? nextToken = null;
        if (continueToken.Length > 0 || (limit > 0 && rvParam != "0") || match == "Exact")
        {
            // Paged and exact reads are served by the store at one revision, so every page belongs to the same snapshot.
            long revision;
            string? startAfter = null;
            if (continueToken.Length > 0)
            {
                (revision, startAfter) = DecodeContinue(continueToken);
                if (!startAfter.StartsWith(prefix, StringComparison.Ordinal))
                {
                    throw ApiException.BadRequest("continue key is not valid: the continue token does not match this request");
                }
            }
            else if (match == "Exact")
            {
                revision = ParseRevision(rvParam);
            }
            else
            {
                revision = store.Store.CurrentRevision;
            }

            // A revision the store has not reached yet (an exact read, a forged token) is "Too large resource version", never a 500.
            await WaitForAsync(revision, ct).ConfigureAwait(false);
            (items, nextToken) = await ReadPagesAsync(r, prefix, revision, startAfter, limit, filter, ct).ConfigureAwait(false);
            listRevision = revision;
        }
        else
        {
            if (rvParam.Length > 0 && rvParam != "0")
            {
                await WaitForAsync(ParseRevision(rvParam), ct).ConfigureAwait(false);
            }
            else if (rvParam.Length == 0)
            {
                await store.Cache.SyncAsync(ct).ConfigureAwait(false);
            }

            listRevision = store.Cache.Revision;
            items = [.. store.Cache.For(r).List(prefix).Where(filter.Matches)];
        }

        var rv = listRevision.ToString(CultureInfo.InvariantCulture);
        if (WantsTable(http))
        {
            var objects = items.Select(ObjectCodec.Parse).ToList();
            await ResponseWriter.WriteAsync(http, 200, KindConversions.ToTable(r, objects, IncludeObject(http), rv, nextToken, store.Time.GetUtcNow())).ConfigureAwait(false);
            return;
        }

        var asMetadata = WantsPartialMetadata(http);
        var metadataItems = asMetadata
            ? items.Select(c => JsonSerializer.SerializeToUtf8Bytes(PartialObjectMetadata(ObjectCodec.Parse(c)), ObjectCodec.Compact)).ToList()
            : null;

        http.Response.StatusCode = 200;
        http.Response.ContentType = "application/json";
        using var buffer = new MemoryStream((metadataItems?.Sum(i => i.Length + 1) ?? items.Sum(i => i.Length + 1)) + 256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("kind", asMetadata ? "PartialObjectMetadataList" : r.ListKind);
            w.WriteString("apiVersion", asMetadata ? "meta.k8s.io/v1" : r.GroupVersion);
            w.WriteStartObject("metadata");
            w.WriteString("resourceVersion", rv);
            if (nextToken is not null)
            {
                w.WriteString("continue", nextToken);
            }

            w.WriteEndObject();
            w.WriteStartArray("items");
            if (metadataItems is not null)
            {
                foreach (var item in metadataItems)
                {
                    w.WriteRawValue(item, skipInputValidation: true);
                }
            }
            else
            {
                foreach (var item in items)
                {
                    using var json = item.Rent();
                    w.WriteRawValue(json.Span, skipInputValidation: true);
                }
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        http.Response.ContentLength = buffer.Length;
        buffer.Position = 0;
        await buffer.CopyToAsync(http.Response.Body, ct).ConfigureAwait(false);
    }

    private async Task<(List<CachedObject> Items, string? Next)> ReadPagesAsync(
        ResourceInfo r, string prefix, long revision, string? startAfter, int limit, ObjectFilter filter, CancellationToken ct)
    {
        var items = new List<CachedObject>();
        var after = startAfter;
        while (true)
        {
            RangeResult page;
            try
            {
                page = await store.Store.RangeAsync(prefix, revision, after, limit == 0 ? 0 : Math.Max(limit - items.Count, 1), ct).ConfigureAwait(false);
            }
            catch (CompactedException)
            {
                throw new ApiException(410, "Expired",
                    "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.");
            }

            foreach (var kv in page.Items)
            {
                after = kv.Key;
                var obj = ObjectCodec.Decode(kv.Value, kv.ModRevision);
                var cached = ObjectCodec.ToCached(kv.Key, obj, kv.ModRevision);
                if (filter.Matches(obj, cached.Labels))
                {
                    items.Add(cached);
                }
            }

            if (!page.More)
            {
                return (items, null);
            }

            if (limit > 0 && items.Count >= limit)
            {
                return (items, EncodeContinue(revision, after!));
            }
        }
    }

    private async Task WaitForAsync(long revision, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(3));
        try
        {
            await store.Cache.WaitForRevisionAsync(revision, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new ApiException(504, "Timeout", $"Too large resource version: {revision}, current: {store.Cache.Revision}",
                new JsonObject { ["causes"] = new JsonArray(new JsonObject { ["reason"] = "ResourceVersionTooLarge", ["message"] = "Too large resource version" }), ["retryAfterSeconds"] = 1 });
        }
    }

    private static long ParseRevision(string rv) =>
        long.TryParse(rv, NumberStyles.None, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw ApiException.BadRequest($"Invalid value for resourceVersion: \"{rv}\": resourceVersion must be an integer");

    private static string EncodeContinue(long revision, string lastKey)
    {
        var json = JsonSerializer.Serialize(new JsonObject { ["v"] = "meta.k8s.io/v1", ["rv"] = revision, ["start"] = lastKey });
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    private static (long Revision, string LastKey) DecodeContinue(string token)
    {
        try
        {
            var b64 = token.Replace('-', '+').Replace('_', '/');
            b64 = b64.PadRight(b64.Length + ((4 - (b64.Length % 4)) % 4), '=');
            var node = JsonNode.Parse(Convert.FromBase64String(b64));
            var rv = ObjectMeta.Long(node?["rv"]) ?? 0;
            var start = ObjectMeta.Str(node?["start"]);
            if (rv <= 0 || start.Length == 0)
            {
                throw new FormatException();
            }

            return (rv, start);
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            throw ApiException.BadRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
        }
    }
}
