using k8s.Models;
using Microsoft.AspNetCore.Http;

namespace Capstan.ApiServer.Security;

/// <summary>
/// User impersonation (<c>kubectl --as/--as-group/--as-uid</c>): the <c>Impersonate-User</c>, <c>Impersonate-Group</c>,
/// <c>Impersonate-Uid</c> and <c>Impersonate-Extra-&lt;key&gt;</c> headers. Each requested piece must be authorised for the
/// real user with verb <c>impersonate</c> on <c>users</c>, <c>groups</c>, <c>serviceaccounts</c> (namespace and name from
/// <c>system:serviceaccount:&lt;ns&gt;:&lt;name&gt;</c>), <c>uids</c> or <c>userextras/&lt;key&gt;</c> (the last two in
/// <c>authentication.k8s.io</c>). Runs after authentication and before the request's own authorisation.
/// </summary>
public static class Impersonation
{
    public const string UserHeader = "Impersonate-User";
    public const string GroupHeader = "Impersonate-Group";
    public const string UidHeader = "Impersonate-Uid";
    public const string ExtraHeaderPrefix = "Impersonate-Extra-";

    private const string AuthenticationGroup = "authentication.k8s.io";

    /// <summary>True when the request carries any impersonation header.</summary>
    public static bool IsRequested(IHeaderDictionary headers)
    {
        foreach (var key in headers.Keys)
        {
            if (key.StartsWith("Impersonate-", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <param name="authorize">The server's authoriser (system:masters bypass, then RBAC).</param>
    public static ImpersonationResult Apply(
        UserInfo requester,
        IHeaderDictionary headers,
        Func<UserInfo, RequestAttributes, AuthorizationDecision> authorize)
    {
        ArgumentNullException.ThrowIfNull(requester);
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(authorize);
        if (!IsRequested(headers))
        {
            return new ImpersonationResult(requester, null);
        }

        var userName = headers[UserHeader].ToString().Trim();
        var groups = headers[GroupHeader].Where(g => !string.IsNullOrEmpty(g)).Select(g => g!).ToList();
        var uid = headers[UidHeader].ToString();
        var extra = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var (key, values) in headers)
        {
            if (key.StartsWith(ExtraHeaderPrefix, StringComparison.OrdinalIgnoreCase) && key.Length > ExtraHeaderPrefix.Length)
            {
                // Extra keys travel percent-encoded in header names and are case-insensitive, hence lowercased.
                var extraKey = Uri.UnescapeDataString(key[ExtraHeaderPrefix.Length..]).ToLowerInvariant();
                extra[extraKey] = values.Where(v => v is not null).Select(v => v!).ToList();
            }
        }

        if (userName.Length == 0)
        {
            return new ImpersonationResult(requester, BadRequest(
                "requested impersonation of groups, uid or extra fields without impersonating a user"));
        }

        var checks = new List<RequestAttributes>();
        var groupsFromServiceAccount = false;
        if (ServiceAccountUser.TryParse(userName, out var saNamespace, out var saName))
        {
            checks.Add(RequestAttributes.ForResource("impersonate", "", "serviceaccounts", saNamespace, saName));
            if (groups.Count == 0)
            {
                groups.AddRange(ServiceAccountUser.Groups(saNamespace));
                groupsFromServiceAccount = true;
            }
        }
        else
        {
            checks.Add(RequestAttributes.ForResource("impersonate", "", "users", name: userName));
        }

        if (!groupsFromServiceAccount)
        {
            checks.AddRange(groups.Select(g => RequestAttributes.ForResource("impersonate", "", "groups", name: g)));
        }

        if (uid.Length > 0)
        {
            checks.Add(RequestAttributes.ForResource("impersonate", AuthenticationGroup, "uids", name: uid));
        }

        foreach (var (key, values) in extra)
        {
            checks.AddRange(values.Select(v => RequestAttributes.ForResource("impersonate", AuthenticationGroup, "userextras", name: v, subresource: key)));
        }

        foreach (var check in checks)
        {
            var decision = authorize(requester, check);
            if (!decision.Allowed)
            {
                return new ImpersonationResult(requester, SecurityStatus.Forbidden(requester, check, decision.Reason));
            }
        }

        if (userName == SystemUsers.Anonymous)
        {
            if (!groups.Contains(SystemGroups.Unauthenticated))
            {
                groups.Add(SystemGroups.Unauthenticated);
            }
        }
        else if (!groups.Contains(SystemGroups.Authenticated) && !groups.Contains(SystemGroups.Unauthenticated))
        {
            groups.Add(SystemGroups.Authenticated);
        }

        return new ImpersonationResult(new UserInfo(userName, uid, groups, extra), null);
    }

    private static V1Status BadRequest(string message) => new()
    {
        ApiVersion = "v1",
        Kind = "Status",
        Metadata = new V1ListMeta(),
        Status = "Failure",
        Message = message,
        Reason = "BadRequest",
        Code = 400,
    };
}
