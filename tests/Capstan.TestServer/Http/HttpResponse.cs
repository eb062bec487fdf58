namespace Capstan.TestServer.Http;

/// <summary>A small, fully buffered response.</summary>
internal sealed record HttpResponse(int StatusCode, string Body, string ContentType = HttpResponse.PlainText)
{
    public const string PlainText = "text/plain; charset=utf-8";
    public const string Json = "application/json";

    /// <summary>Run once the response has been sent and the connection closed (used by POST /exit).</summary>
    public Action? AfterSent { get; init; }

    public static HttpResponse Ok(string body) => new(200, body);

    public static HttpResponse NotFound(string body = "not found") => new(404, body);

    public static HttpResponse BadRequest(string body) => new(400, body);

    public static HttpResponse MethodNotAllowed() => new(405, "method not allowed");

    public static string ReasonPhrase(int statusCode) => statusCode switch
    {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    };
}
