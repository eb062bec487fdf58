namespace Capstan.ApiServer.Security;

/// <summary>
/// Who made a request, as Kubernetes' authenticators describe it (user.Info): a name, an optional uid,
/// the groups RBAC subjects match against and free-form extra attributes.
/// </summary>
public sealed record UserInfo
{
    private static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> s_noExtra =
        new Dictionary<string, IReadOnlyList<string>>();

    public UserInfo(
        string name,
        string uid,
        IReadOnlyList<string> groups,
        IReadOnlyDictionary<string, IReadOnlyList<string>>? extra = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        Name = name;
        Uid = uid ?? "";
        Groups = groups ?? [];
        Extra = extra ?? s_noExtra;
    }

    public UserInfo(string name, params IReadOnlyList<string> groups)
        : this(name, "", groups)
    {
    }

    public string Name { get; }

    public string Uid { get; }

    public IReadOnlyList<string> Groups { get; }

    public IReadOnlyDictionary<string, IReadOnlyList<string>> Extra { get; }

    /// <summary>The identity of a request without credentials.</summary>
    public static UserInfo Anonymous { get; } = new(SystemUsers.Anonymous, SystemGroups.Unauthenticated);

    public bool IsAnonymous => Name == SystemUsers.Anonymous;

    public bool IsInGroup(string group)
    {
        foreach (var g in Groups)
        {
            if (string.Equals(g, group, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A copy that also carries <paramref name="group"/> (unchanged if already present).</summary>
    public UserInfo WithGroup(string group) =>
        IsInGroup(group) ? this : new UserInfo(Name, Uid, [.. Groups, group], Extra);

    public override string ToString() => $"{Name} [{string.Join(", ", Groups)}]";
}
