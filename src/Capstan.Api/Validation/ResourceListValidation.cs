using System.Text.Json.Nodes;

namespace Capstan.Api.Validation;

/// <summary>Resource lists (requests, limits, capacity, hard): names, quantity syntax and sign, and the canonical form Kubernetes stores.</summary>
public static class ResourceListValidation
{
    private static readonly string[] StandardContainerResources = ["cpu", "memory", "ephemeral-storage"];

    /// <summary>Whether a name is one a container may request: cpu, memory, ephemeral-storage, hugepages-*, or a domain-qualified extended resource.</summary>
    public static bool IsContainerResourceName(string name) =>
        StandardContainerResources.Contains(name) || name.StartsWith("hugepages-", StringComparison.Ordinal)
        || (name.Contains('/') && !name.StartsWith("requests.", StringComparison.Ordinal));

    /// <summary>Extended resources (a domain outside kubernetes.io) must be whole numbers and cannot be overcommitted.</summary>
    public static bool IsExtendedResourceName(string name) =>
        name.Contains('/') && !name.StartsWith("kubernetes.io/", StringComparison.Ordinal) && !name.Contains(".kubernetes.io/", StringComparison.Ordinal)
        && !name.StartsWith("requests.", StringComparison.Ordinal);

    /// <summary>Parses every quantity of a list; reports syntax errors and negative values at path[name].</summary>
    public static IEnumerable<FieldError> ValidateQuantities(JsonObject? list, string path, Func<string, IEnumerable<string>>? nameCheck = null)
    {
        if (list is null)
        {
            yield break;
        }

        foreach (var (name, node) in list)
        {
            var itemPath = $"{path}[{name}]";
            foreach (var msg in NameFormats.IsQualifiedName(name))
            {
                yield return FieldError.Invalid(path, name, msg);
            }

            if (nameCheck is not null)
            {
                foreach (var msg in nameCheck(name))
                {
                    yield return FieldError.Invalid(itemPath, name, msg);
                }
            }

            if (!TryGetQuantity(node, out var quantity))
            {
                yield return FieldError.Invalid(itemPath, FieldRules.ValueForMessage(node), Quantity.FormatError);
                continue;
            }

            if (quantity.Sign < 0)
            {
                yield return FieldError.Invalid(itemPath, quantity.ToString(), ObjectMetaValidation.NonNegative);
            }

            if (IsExtendedResourceName(name) && !quantity.IsInteger)
            {
                yield return FieldError.Invalid(itemPath, quantity.ToString(), "must be an integer");
            }
        }
    }

    /// <summary>A quantity as JSON carries it: a string, or a bare number.</summary>
    public static bool TryGetQuantity(JsonNode? node, out Quantity quantity)
    {
        quantity = default;
        if (JsonAccess.AsString(node) is { } s)
        {
            return Quantity.TryParse(s, out quantity);
        }

        return JsonAccess.IsNumber(node) && Quantity.TryParse(node!.ToJsonString(), out quantity);
    }

    /// <summary>Rewrites every parseable quantity in canonical form, rounded up to milli units as Kubernetes does for resource lists.</summary>
    public static void Canonicalize(JsonObject? list, bool roundToMilli = true)
    {
        if (list is null)
        {
            return;
        }

        foreach (var name in list.Select(p => p.Key).ToArray())
        {
            if (TryGetQuantity(list[name], out var q))
            {
                list[name] = (roundToMilli ? q.RoundUp(-3) : q).ToString();
            }
        }
    }
}
