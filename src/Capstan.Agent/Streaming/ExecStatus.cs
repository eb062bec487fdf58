using System.Globalization;
using System.Text.Json.Nodes;

namespace Capstan.Agent.Streaming;

/// <summary>The metav1.Status documents the error channel and failed requests carry.</summary>
internal static class ExecStatus
{
    public static JsonObject Success() => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Success",
    };

    /// <summary>kubectl turns the ExitCode cause into its own exit code.</summary>
    public static JsonObject NonZeroExit(IReadOnlyList<string> command, int exitCode)
    {
        var code = exitCode.ToString(CultureInfo.InvariantCulture);
        var status = Failure(500, "NonZeroExitCode",
            $"command terminated with non-zero exit code: error executing command [{string.Join(' ', command)}], exit code {code}");
        status["details"] = new JsonObject
        {
            ["causes"] = new JsonArray(new JsonObject { ["reason"] = "ExitCode", ["message"] = code }),
        };
        return status;
    }

    public static JsonObject Failure(int code, string reason, string message) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = message,
        ["reason"] = reason,
        ["code"] = code,
    };
}
