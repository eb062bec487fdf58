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
/// from the objects themselves (which also releases what deleted objects and failed creates held). A spec update is
/// charged what it adds (a claim resized from 1Gi to 3Gi: requests.storage=2Gi; a Service turned NodePort: its ports),
/// as Kubernetes does; pods are not evaluated on update (their resources are immutable).
/// </summary>
public sealed class ResourceQuotaAdmission(ResourceStore store) : IValidatingWriteAdmission
{
    public const string FieldManager = "resourcequota-admission";

    private readonly ConcurrentDictionary<string, SemaphoreSlim> _namespaceLocks = new(StringComparer.Ordinal);

    public string Name => "ResourceQuota";

    public Task ValidateCreateAsync(ResourceInfo resource, JsonObject obj, WriteOptions options, CancellationToken ct) =>
        AdmitAsync(resource, obj, null, options, ct);

    public Task ValidateUpdateAsync(ResourceInfo resource, JsonObject obj, JsonObject old, WriteOptions options, CancellationToken ct) =>
        resource.Group.Length == 0 && resource.Kind == "Pod" ? Task.CompletedTask : AdmitAsync(resource, obj, old, options, ct);

    private async Task AdmitAsync(ResourceInfo resource, JsonObject obj, JsonObject? old, WriteOptions options, CancellationToken ct)
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
        if (old is not null)
        {
            usage = Increase(usage, QuotaEvaluator.Counts(groupResource, old) ? QuotaEvaluator.Usage(groupResource, old) : new ResourceAmounts());
            if (usage.Count == 0)
            {
                return;
            }
        }

        var relevant = new List<(string Quota, List<string> Covered)>();
        foreach (var quota in cached.Select(c => ObjectCodec.Parse(c)))
        {
            var spec = quota.Obj("spec");
            var covered = QuotaEvaluator.Covered(groupResource, (spec?.Obj("hard") ?? []).Select(p => p.Key));
            if (old is not null)
            {
                covered.RemoveAll(r => !usage.ContainsKey(r));
            }

            if (covered.Count == 0 || !QuotaEvaluator.MatchesScopes(spec, groupResource, obj))
            {
                continue;
            }

            var quotaName = ObjectMeta.Name(quota);
            if (old is null && groupResource == "pods" && QuotaEvaluator.MissingPodResources(obj.Obj("spec") ?? new JsonObject(), covered) is { } missing)
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

    // What an update adds: each resource's growth over the old usage, dropping what stayed or shrank (the controller
    // releases shrinkage when it recounts).
    private static ResourceAmounts Increase(ResourceAmounts next, ResourceAmounts previous)
    {
        var delta = new ResourceAmounts();
        foreach (var (name, amount) in next)
        {
            if (!previous.TryGetValue(name, out var before))
            {
                if (amount.Sign > 0)
                {
                    delta[name] = amount;
                }
            }
            else if (amount > before)
            {
                // Quantity has no subtraction: add the negation, parsed from the canonical text.
                delta[name] = amount + Quantity.Parse("-" + before);
            }
        }

        return delta;
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
            var obj = ObjectCodec.Parse(cached);
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
