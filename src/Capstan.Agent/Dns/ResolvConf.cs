using System.Text;

namespace Capstan.Agent.Dns;

/// <summary>The three parts of a resolv.conf that pods care about.</summary>
public sealed record ResolvConf(IReadOnlyList<string> Nameservers, IReadOnlyList<string> Searches, IReadOnlyList<string> Options)
{
    public static readonly ResolvConf Empty = new([], [], []);

    /// <summary>Reads nameserver, search (and the older domain) and options lines; a missing file is empty.</summary>
    public static ResolvConf Load(string path)
    {
        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Empty;
        }
    }

    public static ResolvConf Parse(string text)
    {
        var nameservers = new List<string>();
        var searches = new List<string>();
        var options = new List<string>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            switch (fields[0])
            {
                case "nameserver" when fields.Length > 1:
                    nameservers.Add(fields[1]);
                    break;

                // The last search or domain line wins (resolv.conf(5)).
                case "search" or "domain":
                    searches.Clear();
                    searches.AddRange(fields.Skip(1));
                    break;
                case "options":
                    options.AddRange(fields.Skip(1));
                    break;
            }
        }

        return new ResolvConf(nameservers, searches, options);
    }

    public string Render()
    {
        var builder = new StringBuilder();
        foreach (var nameserver in Nameservers)
        {
            builder.Append("nameserver ").Append(nameserver).Append('\n');
        }

        if (Searches.Count > 0)
        {
            builder.Append("search ").AppendJoin(' ', Searches).Append('\n');
        }

        if (Options.Count > 0)
        {
            builder.Append("options ").AppendJoin(' ', Options).Append('\n');
        }

        return builder.ToString();
    }
}
