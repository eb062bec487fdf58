using System.Text.Json.Nodes;

namespace Capstan.Api.Tables.Converters;

/// <summary>RoleBindings and ClusterRoleBindings: ROLE as Kind/name, subjects split into users, groups and service accounts (namespace/name).</summary>
internal sealed class RoleBindingTableConverter(string kind) : TableConverter("rbac.authorization.k8s.io", kind,
[
    Column.Name,
    Column.Str("Role", "RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace."),
    Column.Age,
    Column.Wide("Users", $"Users in the {char.ToLowerInvariant(kind[0])}{kind[1..]}"),
    Column.Wide("Groups", $"Groups in the {char.ToLowerInvariant(kind[0])}{kind[1..]}"),
    Column.Wide("ServiceAccounts", $"ServiceAccounts in the {char.ToLowerInvariant(kind[0])}{kind[1..]}"),
])
{
    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var subjects = JsonRead.Objects(obj, "subjects").ToList();
        string Of(string subjectKind, Func<JsonObject, string> text) =>
            string.Join(", ", subjects.Where(s => JsonRead.Str(s, "kind") == subjectKind).Select(text));

        return
        [
            Name(obj),
            JsonRead.Str(obj, "roleRef", "kind") + "/" + JsonRead.Str(obj, "roleRef", "name"),
            Age(obj, now),
            Of("User", s => JsonRead.Str(s, "name")),
            Of("Group", s => JsonRead.Str(s, "name")),
            Of("ServiceAccount", s => JsonRead.Str(s, "namespace") + "/" + JsonRead.Str(s, "name")),
        ];
    }
}
