using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Capstan.Api.Quota;
using Capstan.Api.Registry;
using Capstan.Api.Validation;
using Capstan.ApiServer.Http;
using Capstan.ApiServer.Objects;

namespace Capstan.ApiServer.Admission;

/// <summary>
/// Kubernetes' ResourceQuota plugin on create. Every quota of the namespace whose scopes match the new object and whose
/// <c>spec.hard</c> names a resource the object uses must have room for it: used + requested ≤ hard, else 403 Forbidden
/// "exceeded quota: NAME, requested: ..., used: ..., limited: ...". A pod must also set the cpu/memory requests or limits
/// such a quota covers ("failed quota: NAME: must specify ..."). The new usage is charged to the quota's status before the
/// object is stored, through the store's compare-and-swap (<see cref="ResourceStore.UpdateAsync"/>), and creates in one
/// namespace are serialised here, so concurrent creates can never both take the last unit. A quota whose status does not
/// yet know a resource's usage gets it counted from the watch cache first. The quota controller later recounts usage
/// from the objects themselves (which also releases what deleted objects and failed creates held).
/// </summary>
public sealed class ResourceQuotaAdmission(ResourceStore store) : IValidatingCreateAdmission
{
    public const string FieldManager = "resourcequota-admission";

    private readonly ConcurrentDictionary<string, SemaphoreSlim> _namespaceLocks = new(StringComparer.Ordinal);

    public string Name => "ResourceQuota";

    public async Task ValidateCreateAsync(ResourceInfo resource, JsonObject obj, WriteOptions options, CancellationToken ct)
    {
        if (!resource.Namespaced || store.Cache.Registry.FindKind("", "ResourceQuota") is not { } quotas)
        {
            return;
        }

        var ns = JsonAccess.AsString(obj["metadata"]?["namespace"]) ?? "";
        var cached = store.Cache.For(quotas).List(quotas.NamespacePrefix(ns));
        var groupResource = resource.GroupResource;
        if (cached.Count == 0 || !QuotaEvaluator.Counts(groupResource, obj))
        {
            return;
        }

        var name = JsonAccess.AsString(obj["metadata"]?["name"]) ?? "";
        var usage = QuotaEvaluator.Usage(groupResource, obj);
        var relevant = new List<(string Quota, List<string> Covered)>();
        foreach (var quota in cached.Select(c => ObjectCodec.Parse(c.Json)))
        {
            var spec = quota.Obj("spec");
            var covered = QuotaEvaluator.Covered(groupResource, (spec?.Obj("hard") ?? []).Select(p => p.Key));
            if (covered.Count == 0 || !QuotaEvaluator.MatchesScopes(spec, groupResource, obj))
            {
                continue;
            }

            var quotaName = ObjectMeta.Name(quota);
            if (groupResource == "pods" && QuotaEvaluator.MissingPodResources(obj.Obj("spec") ?? new JsonObject(), covered) is { } missing)
            {
                throw Forbidden(resource, name, $"failed quota: {quotaName}: {missing}");
            }

            relevant.Add((quotaName, covered));
        }

        if (relevant.Count == 0)
        {
            return;
        }

        var gate = _namespaceLocks.GetOrAdd(ns, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var writeOptions = new WriteOptions { DryRun = options.DryRun, FieldManager = FieldManager, FieldValidation = "Ignore" };
            foreach (var (quotaName, covered) in relevant)
            {
                try
                {
                    await store.UpdateAsync(quotas, ns, quotaName, "status",
                        current => Charge(current, resource, name, groupResource, covered, usage, ns),
                        writeOptions, ct).ConfigureAwait(false);
                }
                catch (ApiException ex) when (ex.Code == 404)
                {
                    // The quota was deleted meanwhile: nothing to charge.
                }
            }
        }
        finally
        {
            gate.Release();
        }
    }

    private JsonObject Charge(JsonObject quota, ResourceInfo resource, string name, string groupResource, List<string> covered, ResourceAmounts usage, string ns)
    {
        var hard = ResourceAmounts.Read(quota.Obj("spec")?.Obj("hard"));
        var status = quota.EnsureObj("status");
        var used = ResourceAmounts.Read(status.Obj("used"));
        var unknown = covered.Where(r => !used.ContainsKey(r)).ToList();
        if (unknown.Count > 0)
        {
            var counted = CountExisting(groupResource, ns, quota.Obj("spec"));
            foreach (var r in unknown)
            {
                used[r] = counted.TryGetValue(r, out var q) ? q : Quantity.Zero;
            }
        }

        var exceeded = new List<string>();
        var next = used.Copy();
        foreach (var r in covered)
        {
            if (!usage.TryGetValue(r, out var requested))
            {
                continue;
            }

            next[r] = used[r] + requested;
            if (hard.TryGetValue(r, out var limit) && next[r] > limit)
            {
                exceeded.Add(r);
            }
        }

        if (exceeded.Count > 0)
        {
            throw Forbidden(resource, name,
                $"exceeded quota: {ObjectMeta.Name(quota)}, requested: {Pretty(usage, exceeded)}, used: {Pretty(used, exceeded)}, limited: {Pretty(hard, exceeded)}");
        }

        status["hard"] = hard.ToJson();
        status["used"] = next.ToJson();
        return quota;
    }

    // What the objects already stored use, for a quota whose status has not counted them yet.
    private ResourceAmounts CountExisting(string groupResource, string ns, JsonObject? quotaSpec)
    {
        var total = new ResourceAmounts();
        var dot = groupResource.IndexOf('.');
        var (plural, group) = dot < 0 ? (groupResource, "") : (groupResource[..dot], groupResource[(dot + 1)..]);
        var resource = store.Cache.Registry.Resources.FirstOrDefault(r => r.Plural == plural && r.Group == group && r.Namespaced);
        if (resource is null)
        {
            return total;
        }

        foreach (var cached in store.Cache.For(resource).List(resource.NamespacePrefix(ns)))
        {
            var obj = ObjectCodec.Parse(cached.Json);
            if (QuotaEvaluator.Counts(groupResource, obj) && QuotaEvaluator.MatchesScopes(quotaSpec, groupResource, obj))
            {
                total.AddAll(QuotaEvaluator.Usage(groupResource, obj));
            }
        }

        return total;
    }

    private static string Pretty(ResourceAmounts amounts, List<string> names) =>
        string.Join(",", names.Where(amounts.ContainsKey).Order(StringComparer.Ordinal).Select(n => $"{n}={amounts[n]}"));

    private static ApiException Forbidden(ResourceInfo resource, string name, string why) =>
        ApiException.Forbidden($"{resource.GroupResource} \"{name}\" is forbidden: {why}", resource.GroupResource, name);
}
