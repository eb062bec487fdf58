namespace Capstan.Agent.Runtime.Cri;

/// <summary>One of the runtime's Status conditions: "RuntimeReady", or "NetworkReady" (false until a CNI config is loaded).</summary>
public sealed record CriRuntimeCondition(string Type, bool Status, string Reason, string Message);
