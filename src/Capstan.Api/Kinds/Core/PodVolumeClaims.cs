using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Core;

/// <summary>Which PersistentVolumeClaim a pod volume uses, as the scheduler and the volume controllers both read it.</summary>
public static class PodVolumeClaims
{
    /// <summary>A volume's claim: its persistentVolumeClaim.claimName, or a generic ephemeral volume's claim; null for other volumes.</summary>
    public static string? ClaimName(string podName, JsonObject volume) =>
        volume["persistentVolumeClaim"] is JsonObject pvc ? pvc.StrOrEmpty("claimName")
        : volume["ephemeral"] is JsonObject ? EphemeralClaimName(podName, volume.StrOrEmpty("name"))
        : null;

    /// <summary>The claim a generic ephemeral volume gets: "&lt;pod&gt;-&lt;volume&gt;".</summary>
    public static string EphemeralClaimName(string podName, string volumeName) => $"{podName}-{volumeName}";
}
