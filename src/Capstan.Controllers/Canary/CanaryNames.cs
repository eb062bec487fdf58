using Capstan.Client.Dynamic;

namespace Capstan.Controllers.Canary;

/// <summary>The names, labels and annotations the Canary controller reads and writes.</summary>
internal static class CanaryNames
{
    public const string Group = "rollouts.capstan.io";
    public const string ApiVersion = Group + "/v1alpha1";

    /// <summary>On canary pods (and in the canary Deployment's and Service's selectors): the Canary's name.</summary>
    public const string PodLabel = "rollouts.capstan.io/canary";

    /// <summary>On the Canary: "true" promotes the release now, skipping the remaining steps.</summary>
    public const string PromoteAnnotation = "capstan.io/canary-promote";

    /// <summary>On the Canary: "true" aborts the release and rolls the Deployment back.</summary>
    public const string AbortAnnotation = "capstan.io/canary-abort";

    /// <summary>Keeps a deleted Canary until its Deployment is unpaused and its Service's split removed.</summary>
    public const string Finalizer = "rollouts.capstan.io/canary";

    /// <summary>The same annotations Capstan.Network's CanaryAnnotations reads on the Service (the controllers do not reference the network code).</summary>
    public const string ServiceWeightAnnotation = "capstan.io/canary-weight";
    public const string ServiceCanaryAnnotation = "capstan.io/canary-service";

    public const string ConditionPromoted = "Promoted";

    public static readonly ApiResource Canaries = new(Group, "v1alpha1", "canaries", "Canary", true, ["create", "delete", "get", "list", "patch", "update", "watch"]);

    public static readonly ApiResource Services = new("", "v1", "services", "Service", true, ["create", "delete", "get", "list", "patch", "update", "watch"]);

    public static string CanaryDeployment(string target) => target + "-canary";

    public static string CanaryService(string service) => service + "-canary";

    public static string CanaryIngress(string ingress) => ingress + "-canary";
}
