using System.Text.Json.Nodes;

namespace Capstan.Controllers.DaemonSet;

/// <summary>
/// One node as the DaemonSet sees it: whether its daemon should run or may stay there, the DaemonSet's live pods meant for
/// it, and whether one of its pods there is still terminating.
/// </summary>
internal sealed record NodeState(string Name, bool ShouldRun, bool ShouldContinueRunning, List<JsonObject> Pods, bool Terminating = false);
