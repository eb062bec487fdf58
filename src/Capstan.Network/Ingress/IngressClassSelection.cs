using System.Text.Json.Nodes;
using Capstan.Client.Dynamic;

namespace Capstan.Network.Ingress;

/// <summary>Which Ingresses belong to this controller, from the IngressClasses whose spec.controller is ours.</summary>
public sealed class IngressClassSelection
{
    private readonly HashSet<string> _classes;
    private readonly bool _ownsDefault;

    /// <param name="classes">Every IngressClass. The configured class counts as ours (and as the default) until it exists, so routes work before the class is created.</param>
    public IngressClassSelection(IEnumerable<JsonObject> classes, string className)
    {
        _classes = new HashSet<string>(StringComparer.Ordinal);
        var configuredSeen = false;
        var defaults = new List<bool>();
        foreach (var ingressClass in classes)
        {
            var name = ingressClass.GetName();
            var controller = ingressClass["spec"]?["controller"]?.GetValue<string>();
            var isDefault = string.Equals(ingressClass["metadata"]?["annotations"]?[IngressAnnotations.IsDefaultClass]?.GetValue<string>(), "true", StringComparison.OrdinalIgnoreCase);
            var ours = string.Equals(controller, IngressOptions.ControllerName, StringComparison.Ordinal);
            configuredSeen |= string.Equals(name, className, StringComparison.Ordinal);
            if (ours)
            {
                _classes.Add(name);
            }

            if (isDefault)
            {
                defaults.Add(ours);
            }
        }

        if (!configuredSeen)
        {
            _classes.Add(className);
        }

        // With several default classes Kubernetes refuses to pick; we serve class-less Ingresses when any default is ours.
        _ownsDefault = defaults.Count == 0 ? !configuredSeen : defaults.Contains(true);
    }

    public bool Owns(JsonObject ingress)
    {
        var className = ingress["spec"]?["ingressClassName"]?.GetValue<string>()
            ?? ingress["metadata"]?["annotations"]?[IngressAnnotations.LegacyClass]?.GetValue<string>();
        return className is null ? _ownsDefault : _classes.Contains(className);
    }
}
