using System.Text;
using System.Text.Json.Nodes;

namespace Capstan.Controllers.Deployment;

/// <summary>
/// The pod-template-hash label value: an FNV-1a 32-bit hash of the pod template (as canonical JSON: keys sorted, nulls
/// dropped) followed by the collisionCount's four little-endian bytes when set, printed in decimal and mapped onto
/// Kubernetes' SafeEncodeString alphabet, so the value is stable, at most 10 characters and never spells words.
/// </summary>
internal static class PodTemplateHash
{
    public const string Label = "pod-template-hash";

    private const string Alphabet = "bcdfghjklmnpqrstvwxz2456789";

    public static string Compute(JsonObject template, long? collisionCount)
    {
        var hash = Fnv1a(2166136261u, Encoding.UTF8.GetBytes(Canonical(template)));
        if (collisionCount is { } c)
        {
            var bytes = BitConverter.GetBytes((uint)c);
            if (!BitConverter.IsLittleEndian)
            {
                Array.Reverse(bytes);
            }

            hash = Fnv1a(hash, bytes);
        }

        return SafeEncode(hash.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Each character mapped to the alphabet by its code modulo the alphabet's length (Kubernetes' rand.SafeEncodeString).</summary>
    public static string SafeEncode(string s)
    {
        var chars = new char[s.Length];
        for (var i = 0; i < s.Length; i++)
        {
            chars[i] = Alphabet[s[i] % Alphabet.Length];
        }

        return new string(chars);
    }

    /// <summary>Keys sorted, nulls and empty objects dropped: two templates that mean the same serialise the same.</summary>
    public static string Canonical(JsonNode? node) => Normalize(node)?.ToJsonString() ?? "null";

    private static JsonNode? Normalize(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                var sorted = new JsonObject();
                foreach (var (key, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    var normalized = Normalize(value);
                    if (normalized is not null && normalized is not JsonObject { Count: 0 })
                    {
                        sorted[key] = normalized;
                    }
                }

                return sorted;
            case JsonArray array:
                return new JsonArray([.. array.Select(Normalize)]);
            case null:
                return null;
            default:
                return node.DeepClone();
        }
    }

    private static uint Fnv1a(uint hash, ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            hash ^= b;
            hash *= 16777619u;
        }

        return hash;
    }
}
