namespace Capstan.Controllers.StatefulSet;

/// <summary>The labels the StatefulSet controller puts on its pods.</summary>
public static class StatefulSetLabels
{
    public const string PodName = "statefulset.kubernetes.io/pod-name";

    public const string PodIndex = "apps.kubernetes.io/pod-index";

    public const string RevisionHash = "controller-revision-hash";
}
