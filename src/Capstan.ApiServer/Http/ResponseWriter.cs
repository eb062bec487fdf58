using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Capstan.ApiServer.Http;

/// <summary>Writes JSON responses and Warning headers.</summary>
public static class ResponseWriter
{
    public static async Task WriteAsync(HttpContext http, int code, JsonNode body, IEnumerable<string>? warnings = null)
    {
        http.Response.StatusCode = code;
        http.Response.ContentType = "application/json";
        AddWarnings(http, warnings);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(body, Objects.ObjectCodec.Compact);
        http.Response.ContentLength = bytes.Length;
        await http.Response.Body.WriteAsync(bytes, http.RequestAborted).ConfigureAwait(false);
    }

    public static async Task WriteRawAsync(HttpContext http, int code, byte[] json, string contentType = "application/json")
    {
        http.Response.StatusCode = code;
        http.Response.ContentType = contentType;
        http.Response.ContentLength = json.Length;
        await http.Response.Body.WriteAsync(json, http.RequestAborted).ConfigureAwait(false);
    }

    public static Task WriteErrorAsync(HttpContext http, ApiException error) =>
        WriteAsync(http, error.Code, error.ToStatus());

    public static void AddWarnings(HttpContext http, IEnumerable<string>? warnings)
    {
        if (warnings is null)
        {
            return;
        }

        foreach (var w in warnings.Distinct())
        {
            // RFC 7234 warn-code 299, agent "-", quoted text (quotes and backslashes escaped).
            http.Response.Headers.Append("Warning", $"299 - \"{w.Replace("\\", "\\\\").Replace("\"", "\\\"")}\"");
        }
    }
}
