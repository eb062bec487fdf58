using System.Text.Json.Nodes;

namespace Capstan.Api.Tables.Converters;

internal sealed class IngressClassTableConverter() : TableConverter("networking.k8s.io", "IngressClass",
[
    Column.Name,
    Column.Str("Controller", "Controller that is responsible for handling this class"),
    Column.Str("Parameters", "A reference to a resource with additional parameters"),
    Column.Age,
])
{
    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var parameters = CellFormat.None;
        if (JsonRead.Obj(obj, "spec", "parameters") is { } p)
        {
            parameters = JsonRead.Str(p, "kind");
            if (JsonRead.StrOrNull(p, "apiGroup") is { } apiGroup)
            {
                parameters += "." + apiGroup;
            }

            parameters += "/" + JsonRead.Str(p, "name");
        }

        return [Name(obj), JsonRead.Str(obj, "spec", "controller"), parameters, Age(obj, now)];
    }
}
