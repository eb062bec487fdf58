namespace Capstan.Controllers.Canary;

/// <summary>status.phase of a Canary.</summary>
internal static class CanaryPhase
{
    public const string Initializing = "Initializing";
    public const string Waiting = "Waiting";
    public const string Progressing = "Progressing";
    public const string Promoting = "Promoting";
    public const string Succeeded = "Succeeded";
    public const string Failed = "Failed";
    public const string Aborted = "Aborted";

    /// <summary>No release in progress: the controller waits for the Deployment's template to change.</summary>
    public static bool IsIdle(string phase) => phase is Waiting or Succeeded or Failed or Aborted;
}
