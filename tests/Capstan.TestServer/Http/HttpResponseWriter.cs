using System.Globalization;
using System.Text;

namespace Capstan.TestServer.Http;

/// <summary>Serialises a response as HTTP/1.1 with a Content-Length, so that the connection can be kept open.</summary>
internal static class HttpResponseWriter
{
    public static byte[] Serialize(HttpResponse response, bool keepAlive, bool includeBody = true)
    {
        var body = Encoding.UTF8.GetBytes(response.Body);
        var head = string.Create(CultureInfo.InvariantCulture,
            $"HTTP/1.1 {response.StatusCode} {HttpResponse.ReasonPhrase(response.StatusCode)}\r\n" +
            $"Content-Type: {response.ContentType}\r\n" +
            $"Content-Length: {body.Length}\r\n" +
            $"Connection: {(keepAlive ? "keep-alive" : "close")}\r\n\r\n");
        var headLength = Encoding.ASCII.GetByteCount(head);
        var bytes = new byte[headLength + (includeBody ? body.Length : 0)];
        Encoding.ASCII.GetBytes(head, bytes);
        if (includeBody)
        {
            body.CopyTo(bytes, headLength);
        }

        return bytes;
    }
}
