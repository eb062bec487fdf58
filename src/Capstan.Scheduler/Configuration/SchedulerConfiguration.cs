using System.Text.Json.Nodes;
using Capstan.Api.Json;
using Capstan.Api.Validation;
using Capstan.Scheduler.Framework;

namespace Capstan.Scheduler.Configuration;

/// <summary>
/// Reads a KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1, YAML or JSON): percentageOfNodesToScore,
/// profiles with schedulerName, plugins (enabled/disabled with weights, per extension point or multiPoint) and
/// pluginConfig (NodeResourcesFit's scoringStrategy). Fields Capstan has no use for are ignored.
/// </summary>
public static class SchedulerConfiguration
{
    public const string ApiVersion = "kubescheduler.config.k8s.io/v1";

    /// <exception cref="FormatException">The file is not a v1 KubeSchedulerConfiguration or a value is invalid.</exception>
    public static IReadOnlyList<SchedulerProfile> Parse(string text)
    {
        JsonObject root;
        try
        {
            root = YamlJson.Parse(text) as JsonObject ?? throw new FormatException("the scheduler configuration is not an object");
        }
        catch (Exception ex) when (ex is not FormatException)
        {
            throw new FormatException("the scheduler configuration is not valid YAML: " + ex.Message, ex);
        }

        if (root.Str("apiVersion") != ApiVersion || root.Str("kind") != "KubeSchedulerConfiguration")
        {
            throw new FormatException($"the scheduler configuration must be apiVersion {ApiVersion}, kind KubeSchedulerConfiguration");
        }

        var percentage = (int)(root.Long("percentageOfNodesToScore") ?? 0);
        var profiles = new List<SchedulerProfile>();
        foreach (var (_, item) in root.Items("profiles"))
        {
            profiles.Add(ParseProfile(item, percentage));
        }

        if (profiles.Count == 0)
        {
            profiles.Add(new SchedulerProfile { PercentageOfNodesToScore = percentage });
        }

        var duplicate = profiles.GroupBy(p => p.SchedulerName).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new FormatException($"profiles: duplicate schedulerName \"{duplicate.Key}\"");
        }

        return profiles;
    }

    public static IReadOnlyList<SchedulerProfile> Load(string path) => Parse(File.ReadAllText(path));

    private static SchedulerProfile ParseProfile(JsonObject profile, int percentage)
    {
        var disabled = new HashSet<string>(StringComparer.Ordinal);
        var disabledScore = new HashSet<string>(StringComparer.Ordinal);
        var weights = new Dictionary<string, int>(StringComparer.Ordinal);
        if (profile.Obj("plugins") is { } plugins)
        {
            foreach (var (point, value) in plugins)
            {
                if (value is not JsonObject set)
                {
                    continue;
                }

                foreach (var (_, d) in set.Items("disabled"))
                {
                    (point == "score" ? disabledScore : disabled).Add(d.StrOrEmpty("name"));
                }

                foreach (var (_, e) in set.Items("enabled"))
                {
                    var name = e.StrOrEmpty("name");
                    disabled.Remove(name);
                    disabledScore.Remove(name);
                    if (point is "score" or "multiPoint" && e.Long("weight") is { } weight and > 0)
                    {
                        weights[name] = (int)weight;
                    }
                    else if (point is "score" or "multiPoint")
                    {
                        weights.TryAdd(name, -1);
                    }
                }
            }
        }

        var strategy = ScoringStrategy.Default;
        foreach (var (_, config) in profile.Items("pluginConfig"))
        {
            if (config.Str("name") == "NodeResourcesFit" && config.Obj("args")?.Obj("scoringStrategy") is { } scoring)
            {
                strategy = ParseStrategy(scoring);
            }
        }

        return new SchedulerProfile
        {
            SchedulerName = profile.Str("schedulerName") is { Length: > 0 } schedulerName ? schedulerName : "default-scheduler",
            ScoringStrategy = strategy,
            DisabledPlugins = disabled,
            DisabledScorePlugins = disabledScore,
            ScoreWeights = weights.Where(kv => kv.Value > 0).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal),
            PercentageOfNodesToScore = (int)(profile.Long("percentageOfNodesToScore") ?? percentage),
        };
    }

    private static ScoringStrategy ParseStrategy(JsonObject scoring)
    {
        var type = scoring.Str("type") is { Length: > 0 } t ? t : ScoringStrategy.LeastAllocated;
        if (type is not (ScoringStrategy.LeastAllocated or ScoringStrategy.MostAllocated or ScoringStrategy.RequestedToCapacityRatio))
        {
            throw new FormatException($"scoringStrategy.type: Unsupported value: \"{type}\": supported values: \"LeastAllocated\", \"MostAllocated\", \"RequestedToCapacityRatio\"");
        }

        var resources = scoring.Items("resources").Select(r => (r.Item.StrOrEmpty("name"), (int)(r.Item.Long("weight") ?? 1))).Where(r => r.Item1.Length > 0).ToList();
        var shape = scoring.Obj("requestedToCapacityRatio")?.Items("shape")
            .Select(p => ((int)(p.Item.Long("utilization") ?? 0), (int)(p.Item.Long("score") ?? 0)))
            .OrderBy(p => p.Item1).ToList() ?? [];
        if (type == ScoringStrategy.RequestedToCapacityRatio && shape.Count == 0)
        {
            throw new FormatException("scoringStrategy.requestedToCapacityRatio.shape: Required value");
        }

        if (shape.Any(p => p.Item1 is < 0 or > 100 || p.Item2 is < 0 or > 10))
        {
            throw new FormatException("scoringStrategy.requestedToCapacityRatio.shape: utilization must be 0..100 and score 0..10");
        }

        return new ScoringStrategy(type, resources.Count == 0 ? ScoringStrategy.DefaultResources : resources, shape);
    }
}
