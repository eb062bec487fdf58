using k8s.Models;

namespace Capstan.Agent.Images;

/// <summary>A container's imagePullPolicy with Kubernetes' default when unset: Always for ":latest" or no tag, else IfNotPresent.</summary>
public static class PullPolicy
{
    public const string Always = "Always";
    public const string IfNotPresent = "IfNotPresent";
    public const string Never = "Never";

    public static string Of(V1Container container)
    {
        if (container.ImagePullPolicy is Always or IfNotPresent or Never)
        {
            return container.ImagePullPolicy;
        }

        return ImageName.Parse(container.Image ?? "").IsLatest ? Always : IfNotPresent;
    }
}
