using System.Net;
using System.Text.Json.Nodes;

namespace Capstan.Client.Dynamic;

/// <summary>A non-success answer from the API server, with the metav1.Status it carried when it had one.</summary>
public sealed class ApiRequestException(HttpStatusCode statusCode, string body)
    : Exception($"API server answered {(int)statusCode} {statusCode}: {Truncate(body)}")
{
    public HttpStatusCode StatusCode { get; } = statusCode;

    public string Body { get; } = body;

    /// <summary>The Status reason (NotFound, Conflict, Gone...), or empty.</summary>
    public string Reason
    {
        get
        {
            try
            {
                return JsonNode.Parse(Body)?["reason"]?.GetValue<string>() ?? "";
            }
            catch (System.Text.Json.JsonException)
            {
                return "";
            }
        }
    }

    public bool IsNotFound => StatusCode == HttpStatusCode.NotFound;

    public bool IsConflict => StatusCode == HttpStatusCode.Conflict;

    public bool IsGone => StatusCode == HttpStatusCode.Gone;

    private static string Truncate(string s) => s.Length <= 300 ? s : s[..300] + "...";
}
