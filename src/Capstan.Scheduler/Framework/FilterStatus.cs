namespace Capstan.Scheduler.Framework;

/// <summary>A filter plugin's answer for one node: success, or a failure code with the reasons kube-scheduler prints.</summary>
public sealed class FilterStatus
{
    private FilterStatus(StatusCode code, IReadOnlyList<string> reasons, string plugin)
    {
        Code = code;
        Reasons = reasons;
        Plugin = plugin;
    }

    public static FilterStatus Success { get; } = new(StatusCode.Success, [], "");

    public StatusCode Code { get; }

    /// <summary>The reasons, each counted once per node in the FailedScheduling message ("Insufficient cpu").</summary>
    public IReadOnlyList<string> Reasons { get; }

    /// <summary>The plugin that rejected the node.</summary>
    public string Plugin { get; }

    public bool IsSuccess => Code == StatusCode.Success;

    public static FilterStatus Unschedulable(string plugin, params IReadOnlyList<string> reasons) => new(StatusCode.Unschedulable, reasons, plugin);

    public static FilterStatus Unresolvable(string plugin, params IReadOnlyList<string> reasons) => new(StatusCode.UnschedulableAndUnresolvable, reasons, plugin);

    public override string ToString() => IsSuccess ? "Success" : $"{Code} ({Plugin}): {string.Join(", ", Reasons)}";
}
