using System.Text.Json.Nodes;

namespace Capstan.Api.Tables.Converters;

internal sealed class ControllerRevisionTableConverter() : TableConverter("apps", "ControllerRevision",
[
    Column.Name,
    Column.Str("Controller", "Controller of the object"),
    Column.Str("Revision", "Revision indicates the revision of the state represented by Data."),
    Column.Age,
])
{
    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var controller = CellFormat.None;
        var owner = JsonRead.Objects(obj, "metadata", "ownerReferences").FirstOrDefault(o => JsonRead.Bool(o, "controller"));
        if (owner is not null)
        {
            // "daemonset.apps/name": the lower-cased Kind.group, group omitted for the core group.
            var apiVersion = JsonRead.Str(owner, "apiVersion");
            var slash = apiVersion.IndexOf('/');
            var group = slash < 0 ? "" : apiVersion[..slash];
            var kind = JsonRead.Str(owner, "kind");
            var name = JsonRead.Str(owner, "name");
            controller = kind.Length == 0 && group.Length == 0
                ? name
                : (group.Length == 0 ? kind : kind + "." + group).ToLowerInvariant() + "/" + name;
        }

        return [Name(obj), controller, JsonRead.Long(obj, "revision"), Age(obj, now)];
    }
}
