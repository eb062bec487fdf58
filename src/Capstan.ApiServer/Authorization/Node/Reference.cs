namespace Capstan.ApiServer.Authorization.Node;

/// <summary>One namespaced object a pod refers to (or the pod itself).</summary>
public readonly record struct Reference(ReferenceKind Kind, string Namespace, string Name);
