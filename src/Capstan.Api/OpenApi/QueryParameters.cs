namespace Capstan.Api.OpenApi;

/// <summary>The path and query parameters of the Kubernetes REST operations: where each goes, its type, and what it does.</summary>
internal static class QueryParameters
{
    private static readonly Dictionary<string, (string In, string Type, string Description)> Known = new(StringComparer.Ordinal)
    {
        ["name"] = ("path", "string", "Name of the object."),
        ["namespace"] = ("path", "string", "Namespace of the objects; names are unique within it."),
        ["pretty"] = ("query", "string", "When 'true', indent the JSON response."),
        ["allowWatchBookmarks"] = ("query", "boolean", "Ask for BOOKMARK events on a watch; the server may send them or not."),
        ["continue"] = ("query", "string", "The token from the previous page of a paginated list, to fetch the next page."),
        ["fieldSelector"] = ("query", "string", "Keep only objects whose fields match, e.g. metadata.name=web,status.phase!=Running."),
        ["labelSelector"] = ("query", "string", "Keep only objects whose labels match, e.g. app=web,tier in (front,back)."),
        ["limit"] = ("query", "integer", "At most this many items per page; the list metadata then carries a continue token."),
        ["resourceVersion"] = ("query", "string", "Which version of the data to serve from, or to watch from; see resourceVersionMatch."),
        ["resourceVersionMatch"] = ("query", "string", "How resourceVersion applies to a list: Exact or NotOlderThan."),
        ["sendInitialEvents"] = ("query", "boolean", "On a watch, first send the current objects as ADDED events, then a bookmark."),
        ["timeoutSeconds"] = ("query", "integer", "End the list or watch call after this many seconds."),
        ["watch"] = ("query", "boolean", "Stream changes (added, modified, deleted) instead of returning a list."),
        ["dryRun"] = ("query", "string", "When 'All', run every stage of the request but persist nothing."),
        ["fieldManager"] = ("query", "string", "The name of the actor making the change, recorded in managedFields."),
        ["fieldValidation"] = ("query", "string",
            "What to do with unknown or duplicate fields in the body: Ignore (drop them), Warn (drop them and return warnings) or Strict (reject the request)."),
        ["force"] = ("query", "boolean", "For apply patches: take ownership of fields other managers own instead of failing with a conflict."),
        ["gracePeriodSeconds"] = ("query", "integer", "Seconds the object gets to terminate before it is deleted; 0 deletes at once."),
        ["ignoreStoreReadErrorWithClusterBreakingPotential"] = ("query", "boolean",
            "Delete an object even though it can no longer be read from storage (it may be corrupt). Dangerous."),
        ["orphanDependents"] = ("query", "boolean", "Deprecated: use propagationPolicy. Whether dependents are orphaned."),
        ["propagationPolicy"] = ("query", "string", "What happens to dependents: Orphan, Background or Foreground."),
    };

    public static (string In, string Type, string Description) Describe(string name) =>
        Known.TryGetValue(name, out var known) ? known : ("query", "string", "");
}
