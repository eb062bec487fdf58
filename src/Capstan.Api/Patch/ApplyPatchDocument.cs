using System.Text.Json.Nodes;
using Capstan.Api.Json;

namespace Capstan.Api.Patch;

/// <summary>
/// Reads the body of an <c>application/apply-patch+yaml</c> request (YAML, or JSON, which is YAML) into a JSON object.
/// Plain scalars are typed as Kubernetes' YAML reader types them (YAML 1.1: yes/no/on/off are booleans).
/// </summary>
public static class ApplyPatchDocument
{
    /// <exception cref="PatchException">BadRequest when the body is not YAML or not a single object.</exception>
    public static JsonObject Parse(string body)
    {
        IReadOnlyList<JsonNode?> documents;
        try
        {
            documents = YamlJson.ParseDocuments(body);
        }
        catch (YamlJsonException e)
        {
            throw PatchException.Bad($"error decoding YAML: {e.Message}");
        }

        if (documents.Count != 1)
        {
            throw PatchException.Bad(documents.Count == 0 ? "the apply patch is empty" : "the apply patch must hold a single object, not several YAML documents");
        }

        return documents[0] as JsonObject ?? throw PatchException.Bad("the apply patch must be an object");
    }
}
