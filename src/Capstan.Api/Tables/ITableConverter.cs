using System.Text.Json.Nodes;

namespace Capstan.Api.Tables;

/// <summary>A column of a meta.k8s.io/v1 Table; Priority 0 is shown by <c>kubectl get</c>, 1 only with <c>-o wide</c>.</summary>
public sealed record TableColumn(string Name, string Type, string Format, string Description, int Priority = 0);

/// <summary>Turns objects of one kind into Table rows with the columns <c>kubectl get</c> prints for that kind.</summary>
public interface ITableConverter
{
    string Group { get; }

    string Kind { get; }

    IReadOnlyList<TableColumn> Columns { get; }

    /// <summary>One row's cells, in column order: strings, integers (long) or booleans; <paramref name="now"/> is for AGE-style columns.</summary>
    IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now);
}
