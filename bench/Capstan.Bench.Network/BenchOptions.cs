using System.Globalization;

namespace Capstan.Bench.Network;

/// <summary>Command-line options shared by the network scenarios; scenario-specific ones are read from <see cref="Args"/>.</summary>
public sealed record BenchOptions
{
    public IReadOnlyList<string> Only { get; init; } = [];

    /// <summary>The capstan apphost (or capstan.dll) under test.</summary>
    public required string CapstanPath { get; init; }

    public int DurationSeconds { get; init; } = 10;

    public int Connections { get; init; } = 64;

    public int Threads { get; init; } = 2;

    /// <summary>Rounds per system; the best one counts (a shared machine has noisy neighbours).</summary>
    public int Rounds { get; init; } = 1;

    public IReadOnlyList<string> Args { get; init; } = [];

    /// <summary>The value after <paramref name="name"/> in the command line, if given.</summary>
    public string? Value(string name)
    {
        for (var i = 0; i < Args.Count - 1; i++)
        {
            if (Args[i] == name)
            {
                return Args[i + 1];
            }
        }

        return null;
    }

    public bool Flag(string name) => Args.Contains(name);

    public static BenchOptions Parse(string[] args)
    {
        var root = RepoRoot();
        var options = new BenchOptions { CapstanPath = Path.Combine(root, "src", "Capstan", "bin", "Release", "net10.0", "capstan"), Args = args };
        string? Get(string name) => options.Value(name);
        return options with
        {
            Only = Get("--only")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [],
            CapstanPath = Get("--capstan") ?? options.CapstanPath,
            DurationSeconds = Get("--duration") is { } d ? int.Parse(d, CultureInfo.InvariantCulture) : options.DurationSeconds,
            Connections = Get("--connections") is { } c ? int.Parse(c, CultureInfo.InvariantCulture) : options.Connections,
            Threads = Get("--threads") is { } t ? int.Parse(t, CultureInfo.InvariantCulture) : options.Threads,
            Rounds = Get("--rounds") is { } r ? int.Parse(r, CultureInfo.InvariantCulture) : options.Rounds,
        };
    }

    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Capstan.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? Directory.GetCurrentDirectory();
    }
}
