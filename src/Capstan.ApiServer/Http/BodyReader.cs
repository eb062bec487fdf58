using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Capstan.Api.Json;
using Microsoft.AspNetCore.Http;

namespace Capstan.ApiServer.Http;

/// <summary>Reads request bodies: JSON or YAML, at most 3 MiB, always a JSON object, with Kubernetes-style errors.</summary>
public static class BodyReader
{
    public const int MaxBodyBytes = 3 * 1024 * 1024;

    /// <summary>Bodies up to this size are read and discarded before a 413; larger ones end the connection.</summary>
    public const int MaxDrainBytes = 64 * 1024 * 1024;

    public static async Task<JsonObject> ReadObjectAsync(HttpRequest request, CancellationToken ct) =>
        (await ReadObjectWithDuplicatesAsync(request, ct).ConfigureAwait(false)).Object;

    /// <summary>Reads an object and the paths of any keys it repeats (for fieldValidation Strict/Warn).</summary>
    public static async Task<(JsonObject Object, IReadOnlyList<string> Duplicates)> ReadObjectWithDuplicatesAsync(HttpRequest request, CancellationToken ct)
    {
        var bytes = await ReadBytesAsync(request, ct).ConfigureAwait(false);
        var mediaType = MediaType(request.ContentType);
        var node = Parse(bytes, mediaType, out var unique) as JsonObject ?? throw ApiException.BadRequest("the body of the request must be a JSON object");
        IReadOnlyList<string> duplicates = mediaType.Contains("json", StringComparison.Ordinal) && !unique
            ? Capstan.Api.Schema.UnknownFields.FindDuplicates(bytes)
            : [];
        return (node, duplicates);
    }

    public static async Task<JsonNode?> ReadNodeAsync(HttpRequest request, CancellationToken ct)
    {
        var bytes = await ReadBytesAsync(request, ct).ConfigureAwait(false);
        var mediaType = MediaType(request.ContentType);
        return Parse(bytes, mediaType);
    }

    public static async Task<byte[]> ReadBytesAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            // Read the rest first (Kestrel bounds it at MaxDrainBytes) so the client finishes sending and sees the 413.
            var discard = new byte[64 * 1024];
            while (await request.Body.ReadAsync(discard, ct).ConfigureAwait(false) > 0)
            {
            }

            throw ApiException.TooLarge("request entity too large: limit is 3145728");
        }

        // Sized by Content-Length when announced, so the usual body is read into its final array with no copy; the
        // read buffer is pooled (a fresh 64 KiB one per request was a large share of a small write's allocations).
        using var buffer = new MemoryStream(request.ContentLength is { } announced and > 0 ? (int)announced : 0);
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > MaxBodyBytes)
                {
                    throw ApiException.TooLarge("request entity too large: limit is 3145728");
                }

                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return buffer.Length == buffer.Capacity ? buffer.GetBuffer() : buffer.ToArray();
    }

    public static string MediaType(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType))
        {
            return "application/json";
        }

        var semi = contentType.IndexOf(';');
        return (semi < 0 ? contentType : contentType[..semi]).Trim().ToLowerInvariant();
    }

    public static JsonNode? Parse(byte[] bytes, string mediaType) => Parse(bytes, mediaType, out _);

    // `unique`: the body was parsed as JSON and repeats no property (false says nothing).
    private static JsonNode? Parse(byte[] bytes, string mediaType, out bool unique)
    {
        unique = false;
        if (bytes.Length == 0)
        {
            throw ApiException.BadRequest("the body of the request is empty");
        }

        if (mediaType.Contains("yaml", StringComparison.Ordinal))
        {
            // kubectl sends its apply-patch+yaml bodies as JSON (a subset of YAML): read those as JSON, exactly.
            if (LooksLikeJsonObject(bytes))
            {
                try
                {
                    return Capstan.Api.Schema.UnknownFields.ParseLastWins(bytes);
                }
                catch (JsonException)
                {
                    // Not JSON after all; YAML's flow style may still read it.
                }
            }

            try
            {
                return YamlJson.Parse(System.Text.Encoding.UTF8.GetString(bytes));
            }
            catch (YamlJsonException ex)
            {
                throw ApiException.BadRequest($"error converting YAML to JSON: {ex.Message}");
            }
        }

        if (ProtobufBodies.IsProtobuf(mediaType))
        {
            return ProtobufBodies.Decode(bytes);
        }

        if (mediaType.Contains("protobuf", StringComparison.Ordinal))
        {
            throw ApiException.UnsupportedMediaType(mediaType);
        }

        try
        {
            // Repeated keys are legal JSON; the last one wins, as in Kubernetes' decoder (Strict reports them separately).
            return Capstan.Api.Schema.UnknownFields.ParseLastWins(bytes, out unique);
        }
        catch (JsonException ex)
        {
            throw ApiException.BadRequest($"json parse error: {ex.Message}");
        }
    }

    private static bool LooksLikeJsonObject(byte[] bytes)
    {
        foreach (var b in bytes)
        {
            if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
            {
                continue;
            }

            return b == (byte)'{';
        }

        return false;
    }
}
