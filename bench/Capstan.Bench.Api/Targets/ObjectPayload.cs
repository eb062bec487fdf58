using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Capstan.Bench.Api.Targets;

/// <summary>
/// The ConfigMap both systems store: a 1 KiB `data` value and the writer's send timestamp in an annotation.
/// etcd gets the same JSON bytes as its value, so both store about as much.
/// </summary>
public sealed class ObjectPayload(int valueBytes)
{
    public const string SentAnnotation = "bench.capstan.io/sent-ticks";

    private readonly string _value = BuildValue(valueBytes);

    /// <summary>An Opaque Secret whose one data value decodes to the payload's bytes.</summary>
    public byte[] SecretJson(string ns, string name)
    {
        using var buffer = new MemoryStream(valueBytes * 2 + 256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("apiVersion", "v1");
            w.WriteString("kind", "Secret");
            w.WriteStartObject("metadata");
            w.WriteString("name", name);
            w.WriteString("namespace", ns);
            w.WriteEndObject();
            w.WriteString("type", "Opaque");
            w.WriteStartObject("data");
            w.WriteString("value", Convert.ToBase64String(Encoding.UTF8.GetBytes(_value)));
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    public byte[] ConfigMapJson(string ns, string name)
    {
        using var buffer = new MemoryStream(valueBytes + 256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("apiVersion", "v1");
            w.WriteString("kind", "ConfigMap");
            w.WriteStartObject("metadata");
            w.WriteString("name", name);
            w.WriteString("namespace", ns);
            w.WriteStartObject("annotations");
            w.WriteString(SentAnnotation, Stopwatch.GetTimestamp().ToString(CultureInfo.InvariantCulture));
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteStartObject("data");
            w.WriteString("value", _value);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    // Letters in a fixed pseudo-random order: nothing on the path compresses, but keep it unremarkable anyway.
    private static string BuildValue(int bytes)
    {
        var random = new Random(42);
        var sb = new StringBuilder(bytes);
        for (var i = 0; i < bytes; i++)
        {
            sb.Append((char)('a' + random.Next(26)));
        }

        return sb.ToString();
    }
}
