using System.Globalization;
using System.Text.Json;

namespace Capstan.ApiServer.Audit;

/// <summary>Writes an <see cref="AuditEvent"/> as one JSON line in the shape of Kubernetes' audit.k8s.io/v1 Event.</summary>
public static class AuditEventWriter
{
    public static void Write(Utf8JsonWriter json, AuditEvent e)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(e);
        json.WriteStartObject();
        json.WriteString("kind", "Event");
        json.WriteString("apiVersion", "audit.k8s.io/v1");
        json.WriteString("level", e.Level.ToString());
        json.WriteString("auditID", e.AuditId);
        json.WriteString("stage", "ResponseComplete");
        json.WriteString("requestURI", e.RequestUri);
        json.WriteString("verb", e.Verb);
        json.WriteStartObject("user");
        json.WriteString("username", e.UserName);
        if (e.UserUid.Length > 0)
        {
            json.WriteString("uid", e.UserUid);
        }

        json.WriteStartArray("groups");
        foreach (var group in e.UserGroups)
        {
            json.WriteStringValue(group);
        }

        json.WriteEndArray();
        json.WriteEndObject();
        if (e.ImpersonatedUserName is not null)
        {
            json.WriteStartObject("impersonatedUser");
            json.WriteString("username", e.ImpersonatedUserName);
            json.WriteStartArray("groups");
            foreach (var group in e.ImpersonatedUserGroups ?? [])
            {
                json.WriteStringValue(group);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteStartArray("sourceIPs");
        if (e.SourceIp is not null)
        {
            json.WriteStringValue(e.SourceIp);
        }

        json.WriteEndArray();
        if (e.UserAgent.Length > 0)
        {
            json.WriteString("userAgent", e.UserAgent);
        }

        if (e.IsResourceRequest)
        {
            json.WriteStartObject("objectRef");
            json.WriteString("resource", e.Resource);
            WriteIfAny(json, "namespace", e.Namespace);
            WriteIfAny(json, "name", e.Name);
            WriteIfAny(json, "apiGroup", e.ApiGroup);
            WriteIfAny(json, "apiVersion", e.ApiVersion);
            WriteIfAny(json, "subresource", e.Subresource);
            json.WriteEndObject();
        }

        json.WriteStartObject("responseStatus");
        json.WriteStartObject("metadata");
        json.WriteEndObject();
        json.WriteNumber("code", e.Code);
        json.WriteEndObject();
        json.WriteString("requestReceivedTimestamp", Timestamp(e.RequestReceived));
        json.WriteString("stageTimestamp", Timestamp(e.StageTimestamp));
        json.WriteEndObject();
    }

    // Kubernetes' MicroTime: RFC 3339 with microseconds, UTC.
    private static string Timestamp(DateTimeOffset t) =>
        t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    private static void WriteIfAny(Utf8JsonWriter json, string name, string value)
    {
        if (value.Length > 0)
        {
            json.WriteString(name, value);
        }
    }
}
