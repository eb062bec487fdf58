using System.Reflection;
using System.Text.RegularExpressions;
using Capstan.Api.Registry;
using Capstan.Api.Schema;
using k8s.Models;

namespace Capstan.Api.OpenApi;

/// <summary>
/// Maps KubernetesClient model classes to the definition names Kubernetes gives them in OpenAPI
/// (<c>V1Pod</c> → <c>io.k8s.api.core.v1.Pod</c>, <c>V1ObjectMeta</c> → <c>io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta</c>).
/// </summary>
/// <remarks>
/// The client's class names keep only the version and the kind, so the API package is recovered:
/// top-level kinds carry their group in <see cref="KubernetesEntityAttribute"/>; a handful of names carry a group prefix
/// (<c>Corev1Event</c>); apimachinery types are listed; every other type belongs to the package of the first kind that
/// reaches it, walking the core group first (shared types such as PodSpec live there), then the served resources.
/// </remarks>
public sealed partial class DefinitionNames
{
    public const string MetaPackage = "io.k8s.apimachinery.pkg.apis.meta.v1";
    public const string Quantity = "io.k8s.apimachinery.pkg.api.resource.Quantity";
    public const string IntOrString = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
    public const string Time = MetaPackage + ".Time";
    public const string MicroTime = MetaPackage + ".MicroTime";
    public const string FieldsV1 = MetaPackage + ".FieldsV1";
    public const string RawExtension = "io.k8s.apimachinery.pkg.runtime.RawExtension";
    public const string Patch = MetaPackage + ".Patch";

    /// <summary>Types of k8s.io/apimachinery/pkg/apis/meta/v1 (some carry a misleading core-group entity attribute).</summary>
    private static readonly HashSet<string> MetaKinds =
    [
        "APIGroup", "APIGroupList", "APIResource", "APIResourceList", "APIVersions", "Condition", "DeleteOptions",
        "FieldSelectorRequirement", "GroupVersionForDiscovery", "LabelSelector", "LabelSelectorRequirement", "ListMeta",
        "ManagedFieldsEntry", "ObjectMeta", "OwnerReference", "Preconditions", "ServerAddressByClientCIDR", "Status",
        "StatusCause", "StatusDetails", "WatchEvent",
    ];

    /// <summary>Core types used only outside the core group, so the walk cannot place them.</summary>
    private static readonly HashSet<string> CoreOnlyKinds = ["TopologySelectorTerm", "TopologySelectorLabelRequirement"];

    /// <summary>Pre-release types that GA kinds of another group embed (newer client models reach the scheduling Workload API).</summary>
    private static readonly (string ClassPrefix, string GroupPackage)[] ForeignPrefixes =
    [
        ("V1alpha3WorkloadPodGroup", "io.k8s.api.scheduling"),
        ("V1alpha3TopologyConstraint", "io.k8s.api.scheduling"),
    ];

    private readonly Dictionary<Type, string> _names = [];

    public DefinitionNames(ResourceRegistry registry)
    {
        var assembly = typeof(V1Pod).Assembly;
        var entities = assembly.GetExportedTypes()
            .Where(t => t.Namespace == "k8s.Models" && t.GetCustomAttribute<KubernetesEntityAttribute>() is not null)
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .ToArray();

        // Core first: it owns the types every workload kind embeds.
        var seeds = entities.Where(t => t.GetCustomAttribute<KubernetesEntityAttribute>()!.Group.Length == 0)
            .Concat(registry.Resources.Select(r => r.ModelType).OfType<Type>())
            // Kinds of our own (Kinds/Rollouts) live outside the client assembly: their lists are seeded here.
            .Concat(registry.Resources.Select(r => r.ModelType is { } m ? m.Assembly.GetType(m.FullName + "List") : null).OfType<Type>())
            .Concat(entities);
        foreach (var seed in seeds)
        {
            var name = NameOfEntity(seed);
            if (name is not null)
            {
                Walk(seed, name);
            }
        }
    }

    /// <summary>The definition name of a model class, or null when it is not a Kubernetes model.</summary>
    public string? Find(Type type)
    {
        if (_names.TryGetValue(type, out var name))
        {
            return name;
        }

        return Intrinsic(type) ?? FromTypeName(type.Name, null);
    }

    /// <summary>The last segment of a definition name: the kind or type name Kubernetes uses.</summary>
    public static string ShortName(string definition) => definition[(definition.LastIndexOf('.') + 1)..];

    /// <summary>The API package ("io.k8s.api.apps") of a group ("apps").</summary>
    public static string GroupPackage(string group)
    {
        var first = group.Length == 0 ? "core" : group.Split('.')[0];
        return first switch
        {
            "apiextensions" => "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions",
            "apiregistration" => "io.k8s.kube-aggregator.pkg.apis.apiregistration",
            "internal" => "io.k8s.api.apiserverinternal",
            _ when group.EndsWith(".capstan.io", StringComparison.Ordinal) => "io.capstan." + first,
            _ => "io.k8s.api." + first,
        };
    }

    private static string? Intrinsic(Type type) =>
        type == typeof(ResourceQuantity) ? Quantity
        : type == typeof(IntOrString) ? IntOrString
        : type == typeof(V1Patch) ? Patch
        : null;

    private string? NameOfEntity(Type type)
    {
        if (_names.TryGetValue(type, out var known))
        {
            return known;
        }

        if (FromTypeName(type.Name, null) is { } fixedName)
        {
            return fixedName;
        }

        var entity = type.GetCustomAttribute<KubernetesEntityAttribute>();
        if (entity is null)
        {
            return null;
        }

        return $"{GroupPackage(entity.Group)}.{entity.ApiVersion}.{entity.Kind}";
    }

    private void Walk(Type type, string name)
    {
        if (!_names.TryAdd(type, name) || !ModelSchema.IsModel(type))
        {
            return;
        }

        var package = name[..name.LastIndexOf('.')];
        var groupPackage = package[..package.LastIndexOf('.')];
        foreach (var field in ModelSchema.For(type).Fields.Values)
        {
            var child = field.Shape == FieldShape.Object ? field.ClrType : field.ElementType;
            if (child is null || _names.ContainsKey(child) || !ModelSchema.IsModel(child))
            {
                continue;
            }

            var childName = FromTypeName(child.Name, groupPackage);
            if (childName is not null)
            {
                Walk(child, childName);
            }
        }
    }

    /// <summary>
    /// The name from the class name alone when it is unambiguous (meta types, group-prefixed names); otherwise the name
    /// in <paramref name="inheritedGroupPackage"/>; null when neither applies.
    /// </summary>
    private static string? FromTypeName(string className, string? inheritedGroupPackage)
    {
        var prefixed = GroupPrefixed().Match(className);
        if (prefixed.Success)
        {
            return $"{GroupPackage(prefixed.Groups[1].Value.ToLowerInvariant())}.{prefixed.Groups[2].Value}.{prefixed.Groups[3].Value}";
        }

        var versioned = Versioned().Match(className);
        if (!versioned.Success)
        {
            return null;
        }

        var version = "v" + versioned.Groups[1].Value;
        var kind = versioned.Groups[2].Value;
        if (version == "v1" && MetaKinds.Contains(kind))
        {
            return $"{MetaPackage}.{kind}";
        }

        foreach (var (classPrefix, groupPackage) in ForeignPrefixes)
        {
            if (className.StartsWith(classPrefix, StringComparison.Ordinal))
            {
                return $"{groupPackage}.{version}.{kind}";
            }
        }

        if (version == "v1" && CoreOnlyKinds.Contains(kind))
        {
            return $"io.k8s.api.core.v1.{kind}";
        }

        return inheritedGroupPackage is null ? null : $"{inheritedGroupPackage}.{version}.{kind}";
    }

    [GeneratedRegex("^(Admissionregistration|Apiextensions|Apiregistration|Authentication|Core|Discovery|Events|Flowcontrol|Rbac|Resource|Storage)(v\\d+(?:alpha\\d+|beta\\d+)?)(.+)$")]
    private static partial Regex GroupPrefixed();

    [GeneratedRegex("^V(\\d+(?:alpha\\d+|beta\\d+)?)([A-Z].*)$")]
    private static partial Regex Versioned();
}
