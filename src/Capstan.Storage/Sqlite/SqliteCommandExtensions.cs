using Microsoft.Data.Sqlite;

namespace Capstan.Storage.Sqlite;

internal static class SqliteCommandExtensions
{
    /// <summary>Sets a parameter, adding it on first use so a reused command keeps its prepared statement.</summary>
    public static SqliteCommand Bind(this SqliteCommand command, string name, object? value)
    {
        var parameters = command.Parameters;
        var index = parameters.IndexOf(name);
        if (index < 0)
        {
            parameters.AddWithValue(name, value ?? DBNull.Value);
        }
        else
        {
            parameters[index].Value = value ?? DBNull.Value;
        }
        return command;
    }
}
