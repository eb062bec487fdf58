using Microsoft.Data.Sqlite;

namespace Capstan.Storage.Sqlite;

/// <summary>An open connection with its statements prepared once and reused (one user at a time).</summary>
internal sealed class PreparedConnection : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    private PreparedConnection(SqliteConnection connection) => Connection = connection;

    public SqliteConnection Connection { get; }

    public static PreparedConnection Open(string connectionString)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            return new PreparedConnection(connection);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>The prepared command for <paramref name="sql"/>; parameters keep their last values until rebound.</summary>
    public SqliteCommand Command(string sql)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = Connection.CreateCommand();
            command.CommandText = sql;
            _commands.Add(sql, command);
        }
        return command;
    }

    public void Execute(string sql) => Command(sql).ExecuteNonQuery();

    public long ExecuteScalarInt64(string sql) => Convert.ToInt64(Command(sql).ExecuteScalar() ?? 0L, System.Globalization.CultureInfo.InvariantCulture);

    public void Dispose()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }
        _commands.Clear();
        Connection.Dispose();
    }
}
