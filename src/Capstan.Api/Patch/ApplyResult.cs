using System.Text.Json.Nodes;

namespace Capstan.Api.Patch;

/// <summary>The outcome of a server-side apply: the object to validate and store, or the conflicts that stopped it.</summary>
public sealed record ApplyResult(JsonObject? Object, IReadOnlyList<ApplyConflict> Conflicts)
{
    public bool Succeeded => Object is not null && Conflicts.Count == 0;

    /// <summary>The Status message Kubernetes returns with a 409: <c>Apply failed with 1 conflict: conflict with "x" using v1: .data.a</c>.</summary>
    public string ConflictMessage
    {
        get
        {
            if (Conflicts.Count == 0)
            {
                return string.Empty;
            }

            if (Conflicts.Count == 1)
            {
                return $"Apply failed with 1 conflict: {Conflicts[0].Message}: {Conflicts[0].Field}";
            }

            var groups = Conflicts.GroupBy(c => c.Message).Select(g => g.Count() == 1
                ? $"{g.Key}: {g.First().Field}"
                : $"conflicts with {g.Key["conflict with ".Length..]}:\n" + string.Join('\n', g.Select(c => "- " + c.Field)));
            return $"Apply failed with {Conflicts.Count} conflicts: " + string.Join('\n', groups);
        }
    }
}
