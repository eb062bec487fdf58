namespace Capstan.Agent.Images;

/// <summary>
/// An image reference split as the Docker/OCI distribution rules do: the first path component is a registry host when
/// it has a dot or a colon or is "localhost", else the registry is docker.io (and a one-component repository gets the
/// "library/" prefix); the tag follows the last colon after the last slash, the digest follows "@".
/// </summary>
public sealed record ImageName(string Registry, string Repository, string? Tag, string? Digest)
{
    public const string DockerHub = "docker.io";

    /// <summary>True when the reference names no tag and no digest, or the tag "latest" (Kubernetes then defaults imagePullPolicy to Always).</summary>
    public bool IsLatest => Digest is null && (Tag is null || Tag == "latest");

    public static ImageName Parse(string image)
    {
        var rest = image.Trim();
        string? digest = null;
        var at = rest.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            digest = rest[(at + 1)..];
            rest = rest[..at];
        }

        string? tag = null;
        var slash = rest.LastIndexOf('/');
        var colon = rest.LastIndexOf(':');
        if (colon > slash)
        {
            tag = rest[(colon + 1)..];
            rest = rest[..colon];
        }

        var registry = DockerHub;
        var first = rest.IndexOf('/', StringComparison.Ordinal);
        if (first > 0)
        {
            var head = rest[..first];
            if (head.Contains('.', StringComparison.Ordinal) || head.Contains(':', StringComparison.Ordinal) || head == "localhost")
            {
                registry = NormalizeRegistry(head);
                rest = rest[(first + 1)..];
            }
        }

        if (registry == DockerHub && !rest.Contains('/', StringComparison.Ordinal))
        {
            rest = "library/" + rest;
        }

        return new ImageName(registry, rest, tag, digest);
    }

    /// <summary>Docker Hub's several host names are one registry.</summary>
    public static string NormalizeRegistry(string host) => host.ToLowerInvariant() switch
    {
        "index.docker.io" or "registry-1.docker.io" or "registry.hub.docker.com" => DockerHub,
        var h => h,
    };
}
