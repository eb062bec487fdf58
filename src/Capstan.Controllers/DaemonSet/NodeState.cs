using System.Text.Json.Nodes;

namespace Capstan.Controllers.DaemonSet;

/// <summary>One node as the DaemonSet sees it: whether its daemon should run or may stay there, and the DaemonSet's pods meant for it.</summary>
internal sealed record NodeState(string Name, bool ShouldRun, bool ShouldContinueRunning, List<JsonObject> Pods);
