using Capstan.Client.Dynamic;

namespace Capstan.Controllers.DaemonSet;

/// <summary>The apps/v1 resources only the DaemonSet controller watches.</summary>
internal static class DaemonSetResources
{
    private static readonly string[] Verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    public static readonly ApiResource DaemonSets = new("apps", "v1", "daemonsets", "DaemonSet", true, Verbs);

    public static readonly ApiResource ControllerRevisions = new("apps", "v1", "controllerrevisions", "ControllerRevision", true, Verbs);
}
