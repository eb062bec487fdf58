namespace Capstan.Controllers.DaemonSet;

/// <summary>A RollingUpdate's limits in daemons: how many may be unavailable, and how many nodes may run a surge pod next to the old one.</summary>
internal sealed record RollingBudget(int MaxUnavailable, int MaxSurge);
