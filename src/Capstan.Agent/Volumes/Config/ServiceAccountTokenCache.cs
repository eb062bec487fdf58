using System.Collections.Concurrent;
using k8s;
using k8s.Models;

namespace Capstan.Agent.Volumes.Config;

/// <summary>
/// Tokens for projected <c>serviceAccountToken</c> sources, as the kubelet's token manager gets them: a TokenRequest as
/// this node, bound to the pod (so the token dies with it), for the source's audience and lifetime; reused until 80% of
/// its lifetime (or 24 h) has passed, then requested again, so a volume sync after that point writes a fresh token.
/// </summary>
internal sealed class ServiceAccountTokenCache(IKubernetes client, TimeProvider time)
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromHours(24);

    private readonly ConcurrentDictionary<(string PodUid, string Audience, long Seconds), Entry> _tokens = new();

    public int Count => _tokens.Count;

    public async Task<string> TokenAsync(V1Pod pod, string? audience, long expirationSeconds, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var key = (pod.Metadata.Uid, audience ?? "", expirationSeconds);
        if (_tokens.TryGetValue(key, out var cached) && !NeedsRefresh(cached, now))
        {
            return cached.Token;
        }

        var account = string.IsNullOrEmpty(pod.Spec.ServiceAccountName) ? "default" : pod.Spec.ServiceAccountName;
        var response = await client.CoreV1.CreateNamespacedServiceAccountTokenAsync(
            new Authenticationv1TokenRequest
            {
                Spec = new V1TokenRequestSpec
                {
                    Audiences = string.IsNullOrEmpty(audience) ? [] : [audience],
                    ExpirationSeconds = expirationSeconds,
                    BoundObjectRef = new V1BoundObjectReference { ApiVersion = "v1", Kind = "Pod", Name = pod.Metadata.Name, Uid = pod.Metadata.Uid },
                },
            },
            account,
            pod.Metadata.NamespaceProperty ?? "default",
            cancellationToken: ct).ConfigureAwait(false);
        var expiresAt = response.Status.ExpirationTimestamp is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : now.AddSeconds(expirationSeconds);
        _tokens[key] = new Entry(response.Status.Token, now, expiresAt);
        Sweep(now);
        return response.Status.Token;
    }

    /// <summary>Refresh once 80% of the lifetime is gone, or after a day, whichever comes first (the kubelet's rule).</summary>
    internal static bool NeedsRefresh(Entry entry, DateTimeOffset now)
    {
        var lifetime = entry.ExpiresAt - entry.IssuedAt;
        return now >= entry.IssuedAt + lifetime * 0.8 || now >= entry.IssuedAt + MaxAge;
    }

    // Tokens of pods that are gone simply expire out of the cache.
    private void Sweep(DateTimeOffset now)
    {
        foreach (var (key, entry) in _tokens)
        {
            if (entry.ExpiresAt <= now)
            {
                _tokens.TryRemove(key, out _);
            }
        }
    }

    internal sealed record Entry(string Token, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt);
}
