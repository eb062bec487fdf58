using System.Text.Json.Nodes;

namespace Capstan.Api.Tables.Converters;

/// <summary>HPAs (autoscaling/v2 JSON): TARGETS pairs each spec metric with the status metric at the same index.</summary>
internal sealed class HorizontalPodAutoscalerTableConverter() : TableConverter("autoscaling", "HorizontalPodAutoscaler",
[
    Column.Name,
    Column.Str("Reference", "scaleTargetRef points to the target resource to scale."),
    Column.Str("Targets", "metrics contains the specifications for which to use to calculate the desired replica count."),
    Column.Str("MinPods", "minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down."),
    Column.Str("MaxPods", "maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up."),
    Column.Str("Replicas", "currentReplicas is current number of replicas of pods managed by this autoscaler."),
    Column.Age,
])
{
    private const int MaxMetrics = 2;
    private const string UnknownValue = "<unknown>";

    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var spec = JsonRead.Obj(obj, "spec");
        return
        [
            Name(obj),
            JsonRead.Str(spec, "scaleTargetRef", "kind") + "/" + JsonRead.Str(spec, "scaleTargetRef", "name"),
            Metrics(JsonRead.Objects(spec, "metrics").ToList(), JsonRead.Objects(obj, "status", "currentMetrics").ToList()),
            JsonRead.LongOrNull(spec, "minReplicas") is { } min ? CellFormat.I(min) : CellFormat.Unset,
            JsonRead.Long(spec, "maxReplicas"),
            JsonRead.Long(obj, "status", "currentReplicas"),
            Age(obj, now),
        ];
    }

    private static string Metrics(List<JsonObject> specs, List<JsonObject> statuses)
    {
        if (specs.Count == 0)
        {
            return CellFormat.None;
        }

        var list = new List<string>();
        for (var i = 0; i < specs.Count; i++)
        {
            var spec = specs[i];
            var status = i < statuses.Count ? statuses[i] : null;
            list.Add(JsonRead.Str(spec, "type") switch
            {
                "External" => ValueOrAverage(spec, status, "external"),
                "Object" => ValueOrAverage(spec, status, "object"),
                "Pods" => $"{Current(status, "pods", "averageValue")}/{CellFormat.Quantity(JsonRead.Node(spec, "pods", "target", "averageValue"))}",
                "Resource" => ResourceMetric(spec, status, "resource"),
                "ContainerResource" => ResourceMetric(spec, status, "containerResource"),
                _ => "<unknown type>",
            });
        }

        var text = string.Join(", ", list.Take(MaxMetrics));
        return list.Count > MaxMetrics ? $"{text} + {list.Count - MaxMetrics} more..." : text;
    }

    private static string ValueOrAverage(JsonObject spec, JsonObject? status, string source)
    {
        var target = JsonRead.Obj(spec, source, "target");
        if (JsonRead.Node(target, "averageValue") is { } average)
        {
            var current = JsonRead.Node(status, source, "current", "averageValue") is { } c ? CellFormat.Quantity(c) : UnknownValue;
            return $"{current}/{CellFormat.Quantity(average)} (avg)";
        }

        return $"{Current(status, source, "value")}/{CellFormat.Quantity(JsonRead.Node(target, "value"))}";
    }

    private static string ResourceMetric(JsonObject spec, JsonObject? status, string source)
    {
        var name = JsonRead.Str(spec, source, "name");
        var target = JsonRead.Obj(spec, source, "target");
        if (JsonRead.Node(target, "averageValue") is { } average)
        {
            return $"{name}: {Current(status, source, "averageValue")}/{CellFormat.Quantity(average)}";
        }

        var current = JsonRead.LongOrNull(status, source, "current", "averageUtilization") is { } u ? $"{u}%" : UnknownValue;
        var wanted = JsonRead.LongOrNull(target, "averageUtilization") is { } t ? $"{t}%" : "<auto>";
        return $"{name}: {current}/{wanted}";
    }

    private static string Current(JsonObject? status, string source, string field) =>
        JsonRead.Obj(status, source) is null ? UnknownValue : CellFormat.Quantity(JsonRead.Node(status, source, "current", field));
}
