using System.Text.Json.Nodes;

namespace Capstan.Api.Tables.Converters;

/// <summary>
/// Events of both groups share Kubernetes' one event table. core/v1 and events.k8s.io/v1 name the same data
/// differently (involvedObject/regarding, message/note, source/deprecatedSource...), so each reads its own fields.
/// </summary>
internal sealed class EventTableConverter : TableConverter
{
    private static readonly TableColumn[] EventColumns =
    [
        Column.Str("Last Seen", "The time at which the most recent occurrence of this event was recorded."),
        Column.Str("Type", "Type of this event (Normal, Warning), new types could be added in the future"),
        Column.Str("Reason", "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
        Column.Str("Object", "The object that this event is about."),
        Column.Wide("Subobject", "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement."),
        Column.Wide("Source", "The component reporting this event. Should be a short machine understandable string."),
        Column.Str("Message", "A human-readable description of the status of this operation."),
        Column.Wide("First Seen", "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)"),
        Column.Wide("Count", "The number of times this event has occurred."),
        new TableColumn("Name", "string", "name", Column.NameDescription, 1),
    ];

    private readonly bool _eventsGroup;

    public EventTableConverter(string group)
        : base(group, "Event", EventColumns)
    {
        _eventsGroup = group == "events.k8s.io";
    }

    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var firstTimestamp = JsonRead.Time(obj, _eventsGroup ? "deprecatedFirstTimestamp" : "firstTimestamp");
        var first = firstTimestamp is null ? Duration.Since(JsonRead.Time(obj, "eventTime"), now) : Duration.Since(firstTimestamp, now);
        var lastTimestamp = JsonRead.Time(obj, _eventsGroup ? "deprecatedLastTimestamp" : "lastTimestamp");
        var last = lastTimestamp is null ? first : Duration.Since(lastTimestamp, now);

        var count = JsonRead.Long(obj, _eventsGroup ? "deprecatedCount" : "count");
        if (JsonRead.Obj(obj, "series") is { } series)
        {
            last = Duration.Since(JsonRead.Time(series, "lastObservedTime"), now);
            count = JsonRead.Long(series, "count");
        }
        else if (count == 0)
        {
            // Singleton events of the new API have no count.
            count = 1;
        }

        var regarding = JsonRead.Obj(obj, _eventsGroup ? "regarding" : "involvedObject");
        var kind = JsonRead.Str(regarding, "kind").ToLowerInvariant();
        var regardingName = JsonRead.Str(regarding, "name");
        var target = regardingName.Length > 0 ? kind + "/" + regardingName : kind;

        var source = JsonRead.Obj(obj, _eventsGroup ? "deprecatedSource" : "source");
        var component = FirstNonEmpty(JsonRead.Str(source, "component"), JsonRead.Str(obj, _eventsGroup ? "reportingController" : "reportingComponent"));
        var host = FirstNonEmpty(JsonRead.Str(source, "host"), JsonRead.Str(obj, "reportingInstance"));
        var sourceText = host.Length == 0 ? component : component + ", " + host;

        return
        [
            last,
            JsonRead.Str(obj, "type"),
            JsonRead.Str(obj, "reason"),
            target,
            JsonRead.Str(regarding, "fieldPath"),
            sourceText,
            JsonRead.Str(obj, _eventsGroup ? "note" : "message").Trim(),
            first,
            count,
            Name(obj),
        ];
    }

    private static string FirstNonEmpty(string a, string b) => a.Length > 0 ? a : b;
}
