using System.Globalization;

namespace Capstan.Bench.Network;

/// <summary>Command-line options shared by the network scenarios.</summary>
public sealed record BenchOptions
{
    public required string Capstan { get; init; }

    public double DurationSeconds { get; init; } = 10;

    public int Connections { get; init; } = 64;

    public int Threads { get; init; } = 2;

    public int Rounds { get; init; } = 2;

    public required string WorkDir { get; init; }

    public IReadOnlySet<string> Only { get; init; } = new HashSet<string>();

    public bool Runs(string scenario) => Only.Count == 0 || Only.Contains(scenario);

    public static BenchOptions? Parse(string[] args)
    {
        string? capstan = null, workDir = null;
        double duration = 10;
        int connections = 64, threads = 2, rounds = 2;
        var only = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--capstan": capstan = value; i++; break;
                case "--work-dir": workDir = value; i++; break;
                case "--duration": duration = double.Parse(value!, CultureInfo.InvariantCulture); i++; break;
                case "--connections": connections = int.Parse(value!, CultureInfo.InvariantCulture); i++; break;
                case "--threads": threads = int.Parse(value!, CultureInfo.InvariantCulture); i++; break;
                case "--rounds": rounds = int.Parse(value!, CultureInfo.InvariantCulture); i++; break;
                case "--only":
                    foreach (var s in value!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        only.Add(s);
                    }

                    i++;
                    break;
                default: return null;
            }
        }

        capstan ??= DefaultCapstan();
        if (capstan is null || !File.Exists(capstan))
        {
            Console.Error.WriteLine($"capstan binary not found ({capstan}); build it with `dotnet build src/Capstan -c Release` or pass --capstan");
            return null;
        }

        return new BenchOptions
        {
            Capstan = capstan,
            DurationSeconds = duration,
            Connections = connections,
            Threads = threads,
            Rounds = Math.Max(1, rounds),
            WorkDir = workDir ?? Directory.CreateTempSubdirectory("capstan-bench-net-").FullName,
            Only = only,
        };
    }

    private static string? DefaultCapstan()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Capstan.slnx")))
        {
            dir = dir.Parent;
        }

        return dir is null ? null : Path.Combine(dir.FullName, "src", "Capstan", "bin", "Release", "net10.0", "capstan");
    }
}
