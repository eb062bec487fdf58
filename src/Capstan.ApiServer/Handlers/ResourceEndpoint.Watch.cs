using System.Globalization;
using System.Text.Json;
using Capstan.Api.Registry;
using Capstan.ApiServer.Caching;
using Capstan.ApiServer.Http;
using Capstan.ApiServer.Objects;
using Microsoft.AspNetCore.Http;

namespace Capstan.ApiServer.Handlers;

public sealed partial class ResourceEndpoint
{
    private async Task WatchAsync(HttpContext http, ResourceInfo r, string ns, string name, CancellationToken requestAborted)
    {
        var q = http.Request.Query;
        var filter = KindConversions.Filter(r, q["labelSelector"], q["fieldSelector"]);
        var rvParam = q["resourceVersion"].ToString();
        var bookmarks = q["allowWatchBookmarks"] == "true";
        var sendInitial = q["sendInitialEvents"] == "true";
        var timeout = int.TryParse(q["timeoutSeconds"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var t) && t > 0
            ? TimeSpan.FromSeconds(t)
            : TimeSpan.FromMinutes(30 + Random.Shared.Next(30));
        var prefix = name.Length > 0 ? r.StorageKey(ns, name) : ns.Length > 0 ? r.NamespacePrefix(ns) : r.StoragePrefix;
        var exact = name.Length > 0;
        var asTable = WantsTable(http);
        var asMetadata = !asTable && WantsPartialMetadata(http);
        var includeObject = IncludeObject(http);

        long? after;
        if (sendInitial || rvParam.Length == 0 || rvParam == "0")
        {
            if (rvParam.Length == 0)
            {
                await store.Cache.SyncAsync(requestAborted).ConfigureAwait(false);
            }

            after = null;
        }
        else
        {
            after = ParseRevision(rvParam);
            await WaitForAsync(after.Value, requestAborted).ConfigureAwait(false);
        }

        WatchSubscription subscription;
        List<CachedObject> initial;
        try
        {
            subscription = store.Cache.For(r).Subscribe(after, prefix, out initial);
        }
        catch (WatchExpiredException ex)
        {
            throw ApiException.Gone(ex.Message);
        }

        using var _ = subscription;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(requestAborted);
        cts.CancelAfter(timeout);
        var ct = cts.Token;

        http.Response.StatusCode = 200;
        http.Response.ContentType = "application/json";
        http.Response.Headers.CacheControl = "no-cache, private";
        var body = http.Response.BodyWriter;
        await http.Response.StartAsync(ct).ConfigureAwait(false);

        // Which keys this (filtered) watch last showed as matching, and which as not; see MatchedBeforeAsync.
        var visible = new HashSet<string>(StringComparer.Ordinal);
        var hidden = new HashSet<string>(StringComparer.Ordinal);
        var startRevision = store.Cache.Revision;
        try
        {
            foreach (var obj in initial)
            {
                if (Wanted(obj) && filter.Matches(obj))
                {
                    visible.Add(obj.Key);
                    WriteObjectEvent("ADDED", obj);
                }
                else
                {
                    hidden.Add(obj.Key);
                }
            }

            if (sendInitial && bookmarks)
            {
                WriteBookmark(body, r, startRevision, initialEventsEnd: true);
            }

            await body.FlushAsync(ct).ConfigureAwait(false);
            var reader = subscription.Events;
            var lastRevision = startRevision;
            while (!ct.IsCancellationRequested)
            {
                bool hasData;
                if (bookmarks)
                {
                    using var tick = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    tick.CancelAfter(BookmarkInterval);
                    try
                    {
                        hasData = await reader.WaitToReadAsync(tick.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                    {
                        WriteBookmark(body, r, Math.Max(lastRevision, store.Cache.Revision), initialEventsEnd: false);
                        await body.FlushAsync(ct).ConfigureAwait(false);
                        continue;
                    }
                }
                else
                {
                    hasData = await reader.WaitToReadAsync(ct).ConfigureAwait(false);
                }

                if (!hasData)
                {
                    break;
                }

                while (reader.TryRead(out var ev))
                {
                    lastRevision = ev.Revision;
                    if (!Wanted(ev.Object))
                    {
                        continue;
                    }

                    if (filter.IsEverything)
                    {
                        WriteObjectEvent(ev.Type switch { CacheEventType.Added => "ADDED", CacheEventType.Modified => "MODIFIED", _ => "DELETED" }, ev.Object);
                    }
                    else
                    {
                        // Kubernetes turns filter transitions into ADDED/DELETED so a filtered watch stays consistent,
                        // and says nothing about an object that matched neither before nor after the change.
                        var now = ev.Type != CacheEventType.Deleted && filter.Matches(ev.Object);
                        var before = ev.Type switch
                        {
                            CacheEventType.Added => false,
                            CacheEventType.Deleted => filter.Matches(ev.Object),
                            _ => await MatchedBeforeAsync(ev, ct).ConfigureAwait(false),
                        };
                        (now ? visible : hidden).Add(ev.Object.Key);
                        (now ? hidden : visible).Remove(ev.Object.Key);
                        var type = (before, now) switch
                        {
                            (false, true) => "ADDED",
                            (true, true) => "MODIFIED",
                            (true, false) => "DELETED",
                            _ => null,
                        };
                        if (type is not null)
                        {
                            WriteObjectEvent(type, ev.Object);
                        }
                    }
                }

                await body.FlushAsync(ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (WatchExpiredException ex)
        {
            var status = ApiException.Gone(ex.Message).ToStatus();
            WriteEvent(body, "ERROR", JsonSerializer.SerializeToUtf8Bytes(status));
            await body.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }

        bool Wanted(CachedObject obj) => !exact || obj.Key == prefix;

        // Whether the object matched the filter before this modification. Known for keys this watch has seen; otherwise
        // (a watch resumed from a resourceVersion) read from the store at the revision just before. When that revision
        // is compacted, assume it matched: a spurious DELETED is safer for a client than a missed one.
        async Task<bool> MatchedBeforeAsync(CacheEvent ev, CancellationToken token)
        {
            if (visible.Contains(ev.Object.Key))
            {
                return true;
            }

            if (hidden.Contains(ev.Object.Key))
            {
                return false;
            }

            try
            {
                var page = await store.Store.RangeAsync(ev.Object.Key, ev.Revision - 1, null, 1, token).ConfigureAwait(false);
                if (page.Items.Count == 0 || page.Items[0].Key != ev.Object.Key)
                {
                    return false;
                }

                var kv = page.Items[0];
                var old = ObjectCodec.Decode(kv.Value, kv.ModRevision);
                return filter.Matches(old, ObjectCodec.ToCached(kv.Key, old, kv.ModRevision).Labels);
            }
            catch (Capstan.Storage.CompactedException)
            {
                return true;
            }
        }

        // `kubectl get -w` asks for Tables: each event then carries a one-row Table with the kind's columns, as in the list.
        void WriteObjectEvent(string type, CachedObject obj)
        {
            if (asMetadata)
            {
                WriteEvent(body, type, JsonSerializer.SerializeToUtf8Bytes(PartialObjectMetadata(ObjectCodec.Parse(obj)), ObjectCodec.Compact));
            }
            else if (asTable)
            {
                var parsed = ObjectCodec.Parse(obj);
                var table = KindConversions.ToTable(r, [parsed], includeObject, ObjectMeta.ResourceVersion(parsed), null, store.Time.GetUtcNow());
                WriteEvent(body, type, JsonSerializer.SerializeToUtf8Bytes(table, ObjectCodec.Compact));
            }
            else
            {
                using var json = obj.Rent();
                WriteEvent(body, type, json.Span);
            }
        }
    }

    private static void WriteEvent(System.IO.Pipelines.PipeWriter body, string type, ReadOnlySpan<byte> objectJson)
    {
        using var w = new Utf8JsonWriter(body);
        w.WriteStartObject();
        w.WriteString("type", type);
        w.WritePropertyName("object");
        w.WriteRawValue(objectJson, skipInputValidation: true);
        w.WriteEndObject();
        w.Flush();
        System.Buffers.BuffersExtensions.Write(body, "\n"u8);
    }

    private static void WriteBookmark(System.IO.Pipelines.PipeWriter body, ResourceInfo r, long revision, bool initialEventsEnd)
    {
        var meta = new System.Text.Json.Nodes.JsonObject { ["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture) };
        if (initialEventsEnd)
        {
            meta["annotations"] = new System.Text.Json.Nodes.JsonObject { ["k8s.io/initial-events-end"] = "true" };
        }

        var obj = new System.Text.Json.Nodes.JsonObject { ["kind"] = r.Kind, ["apiVersion"] = r.GroupVersion, ["metadata"] = meta };
        WriteEvent(body, "BOOKMARK", JsonSerializer.SerializeToUtf8Bytes(obj));
    }
}
