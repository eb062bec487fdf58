using System.Text.Json.Nodes;

namespace Capstan.Client.Dynamic;

public enum WatchEventKind
{
    Added,
    Modified,
    Deleted,
    Bookmark,
    Error,
}

/// <summary>One line of a watch stream: the event type and its object (a metav1.Status for ERROR).</summary>
public readonly record struct WatchEvent(WatchEventKind Kind, JsonObject Object);
