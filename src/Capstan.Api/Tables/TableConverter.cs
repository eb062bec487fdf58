using System.Text.Json.Nodes;

namespace Capstan.Api.Tables;

/// <summary>Base of the built-in converters: a kind, its fixed columns, and one row's cells per object.</summary>
public abstract class TableConverter : ITableConverter
{
    protected TableConverter(string group, string kind, IReadOnlyList<TableColumn> columns)
    {
        Group = group;
        Kind = kind;
        Columns = columns;
    }

    public string Group { get; }

    public string Kind { get; }

    public IReadOnlyList<TableColumn> Columns { get; }

    public abstract IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now);

    /// <summary>Row conditions (meta.k8s.io TableRowCondition objects), or null; only pods have them.</summary>
    public virtual JsonArray? Conditions(JsonObject obj) => null;

    protected static string Name(JsonObject obj) => JsonRead.Str(obj, "metadata", "name");

    protected static string Age(JsonObject obj, DateTimeOffset now) => Duration.Since(JsonRead.Time(obj, "metadata", "creationTimestamp"), now);

    protected static bool IsDeleting(JsonObject obj) => JsonRead.StrOrNull(obj, "metadata", "deletionTimestamp") is not null;
}
