namespace Capstan.Scheduler.Framework;

/// <summary>A preferredDuringSchedulingIgnoredDuringExecution entry: a weight (1-100) given to nodes that match the term.</summary>
public sealed record PreferredSchedulingTerm(int Weight, NodeSelectorTerm Preference);
