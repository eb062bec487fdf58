using System.Text.Json.Nodes;
using Capstan.ApiServer.Protobuf;

namespace Capstan.ApiServer.Http;

/// <summary>
/// Request bodies in Kubernetes protobuf (application/vnd.kubernetes.protobuf), which kubectl's typed clients send for every
/// built-in kind. They are decoded to the JSON Kubernetes would write for the same object, so the rest of the server only
/// sees JSON; responses are JSON too, which those clients accept.
/// </summary>
public static class ProtobufBodies
{
    public static bool IsProtobuf(string mediaType) => mediaType == "application/vnd.kubernetes.protobuf";

    /// <summary>Decodes an enveloped body to JSON; 415 for kinds we have no schema for, 400 for malformed bytes.</summary>
    public static JsonObject Decode(byte[] body)
    {
        try
        {
            return ProtobufJsonDecoder.DecodeObject(body);
        }
        catch (FormatException ex)
        {
            throw ApiException.BadRequest($"malformed protobuf body: {ex.Message}");
        }
        catch (NotSupportedException ex)
        {
            throw ApiException.UnsupportedMediaType($"application/vnd.kubernetes.protobuf ({ex.Message})");
        }
    }
}
