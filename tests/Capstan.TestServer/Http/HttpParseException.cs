namespace Capstan.TestServer.Http;

/// <summary>A request that cannot be read; the server answers <see cref="StatusCode"/> and closes the connection.</summary>
internal sealed class HttpParseException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
}
