namespace Capstan.ApiServer.Security;

/// <summary>Group names with a fixed meaning in Kubernetes (and Capstan).</summary>
public static class SystemGroups
{
    /// <summary>Members bypass authorisation entirely.</summary>
    public const string Masters = "system:masters";

    /// <summary>Added to every authenticated user.</summary>
    public const string Authenticated = "system:authenticated";

    /// <summary>The only group of the anonymous user.</summary>
    public const string Unauthenticated = "system:unauthenticated";

    public const string Nodes = "system:nodes";

    public const string Bootstrappers = "system:bootstrappers";

    /// <summary>Every service account; <c>system:serviceaccounts:&lt;ns&gt;</c> for those of one namespace.</summary>
    public const string ServiceAccounts = "system:serviceaccounts";

    public const string Monitoring = "system:monitoring";
}
