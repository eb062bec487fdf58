using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Api.Quota;

/// <summary>A resource list (name to quantity) as admission and quota arithmetic use it, with the sums and maxima Kubernetes takes.</summary>
public sealed class ResourceAmounts : Dictionary<string, Quantity>
{
    public ResourceAmounts()
        : base(StringComparer.Ordinal)
    {
    }

    /// <summary>The parseable quantities of a JSON resource list; others are skipped (validation reports them).</summary>
    public static ResourceAmounts Read(JsonObject? list)
    {
        var amounts = new ResourceAmounts();
        foreach (var (name, node) in list ?? [])
        {
            if (ResourceListValidation.TryGetQuantity(node, out var q))
            {
                amounts[name] = q;
            }
        }

        return amounts;
    }

    public void Accumulate(string name, Quantity amount) => this[name] = TryGetValue(name, out var sum) ? sum + amount : amount;

    public void AddAll(IReadOnlyDictionary<string, Quantity> other)
    {
        foreach (var (name, amount) in other)
        {
            Accumulate(name, amount);
        }
    }

    public void MaxAll(IReadOnlyDictionary<string, Quantity> other)
    {
        foreach (var (name, amount) in other)
        {
            if (!TryGetValue(name, out var current) || amount > current)
            {
                this[name] = amount;
            }
        }
    }

    public ResourceAmounts Copy()
    {
        var copy = new ResourceAmounts();
        copy.AddAll(this);
        return copy;
    }

    public JsonObject ToJson()
    {
        var list = new JsonObject();
        foreach (var (name, amount) in this.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            list[name] = amount.ToString();
        }

        return list;
    }
}
