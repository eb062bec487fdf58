using System.Text.Json.Nodes;

namespace Capstan.Controllers.DaemonSet;

/// <summary>What one sync of a DaemonSet decided: the nodes, the nodes to create a daemon on and the pods to delete.</summary>
internal sealed class DaemonSetPlan
{
    public List<NodeState> Nodes { get; } = [];

    public List<string> CreateOn { get; } = [];

    public List<JsonObject> Delete { get; } = [];
}
