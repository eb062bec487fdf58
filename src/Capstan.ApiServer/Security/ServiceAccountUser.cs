namespace Capstan.ApiServer.Security;

/// <summary>How a service account appears as a user: <c>system:serviceaccount:&lt;ns&gt;:&lt;name&gt;</c>.</summary>
public static class ServiceAccountUser
{
    public const string UserNamePrefix = "system:serviceaccount:";

    public static string UserName(string @namespace, string name) => UserNamePrefix + @namespace + ":" + name;

    /// <summary>The groups every token of a service account carries.</summary>
    public static IReadOnlyList<string> Groups(string @namespace) =>
        [SystemGroups.ServiceAccounts, SystemGroups.ServiceAccounts + ":" + @namespace];

    /// <summary>A user for the service account, with its groups and <c>system:authenticated</c>.</summary>
    public static UserInfo Create(string @namespace, string name, string uid = "") =>
        new(UserName(@namespace, name), uid, [.. Groups(@namespace), SystemGroups.Authenticated]);

    public static bool TryParse(string userName, out string @namespace, out string name)
    {
        @namespace = "";
        name = "";
        if (!userName.StartsWith(UserNamePrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = userName.AsSpan(UserNamePrefix.Length);
        var colon = rest.IndexOf(':');
        if (colon <= 0 || colon == rest.Length - 1 || rest[(colon + 1)..].Contains(':'))
        {
            return false;
        }

        @namespace = rest[..colon].ToString();
        name = rest[(colon + 1)..].ToString();
        return true;
    }

    public static bool Matches(string @namespace, string name, string userName) =>
        userName.Length == UserNamePrefix.Length + @namespace.Length + 1 + name.Length
        && userName.StartsWith(UserNamePrefix, StringComparison.Ordinal)
        && userName.AsSpan(UserNamePrefix.Length, @namespace.Length).SequenceEqual(@namespace)
        && userName[UserNamePrefix.Length + @namespace.Length] == ':'
        && userName.AsSpan(UserNamePrefix.Length + @namespace.Length + 1).SequenceEqual(name);
}
