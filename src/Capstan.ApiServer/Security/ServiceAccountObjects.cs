using System.Text.Json.Nodes;
using Capstan.Api.Registry;
using Capstan.ApiServer.Caching;
using Capstan.ApiServer.Objects;

namespace Capstan.ApiServer.Security;

/// <summary>
/// Reads service accounts, pods and nodes from the watch cache for the token code: TokenRequest's bound objects and the
/// liveness check that makes a token of a deleted (or recreated) service account or pod stop working at once.
/// </summary>
public sealed class ServiceAccountObjects(WatchCache cache)
{
    private readonly ResourceInfo _serviceAccounts = cache.Registry.FindKind("", "ServiceAccount")!;
    private readonly ResourceInfo _pods = cache.Registry.FindKind("", "Pod")!;
    private readonly ResourceInfo _nodes = cache.Registry.FindKind("", "Node")!;

    /// <summary>Waits until the cache has every write the store acknowledged (a pod created a moment ago is then found).</summary>
    public async Task SyncAsync(CancellationToken ct) => await cache.SyncAsync(ct).ConfigureAwait(false);

    public JsonObject? ServiceAccount(string ns, string name) => Get(_serviceAccounts, ns, name);

    public JsonObject? Pod(string ns, string name) => Get(_pods, ns, name);

    public JsonObject? Node(string name) => Get(_nodes, null, name);

    /// <summary>For <see cref="ServiceAccountTokenValidator"/>: null while the token's account and bound pod exist with its uids, else why not.</summary>
    public async ValueTask<string?> CheckLivenessAsync(ServiceAccountTokenClaims claims, CancellationToken ct)
    {
        await cache.SyncAsync(ct).ConfigureAwait(false);
        var account = ServiceAccount(claims.Namespace, claims.ServiceAccountName);
        if (account is null)
        {
            return $"serviceaccounts \"{claims.ServiceAccountName}\" not found";
        }

        if (claims.ServiceAccountUid.Length > 0 && ObjectMeta.Uid(account) != claims.ServiceAccountUid)
        {
            return $"service account UID ({claims.ServiceAccountUid}) does not match the current one ({ObjectMeta.Uid(account)})";
        }

        if (claims.BoundPodName.Length > 0)
        {
            var pod = Pod(claims.Namespace, claims.BoundPodName);
            if (pod is null)
            {
                return $"pods \"{claims.BoundPodName}\" not found";
            }

            if (ObjectMeta.Uid(pod) != claims.BoundPodUid)
            {
                return $"pod UID ({claims.BoundPodUid}) does not match the current one ({ObjectMeta.Uid(pod)})";
            }
        }

        return null;
    }

    private JsonObject? Get(ResourceInfo r, string? ns, string name) =>
        cache.For(r).Get(r.StorageKey(ns, name)) is { } cached ? ObjectCodec.Parse(cached) : null;
}
