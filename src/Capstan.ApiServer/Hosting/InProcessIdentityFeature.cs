using Capstan.ApiServer.Security;

namespace Capstan.ApiServer.Hosting;

/// <summary>
/// Who a request from <see cref="InProcessHandler"/> is. Internal on purpose: only that handler can put it on a request;
/// Kestrel never sets it and no header or certificate maps to it, so a network client cannot claim it.
/// </summary>
internal sealed class InProcessIdentityFeature(UserInfo user)
{
    public UserInfo User { get; } = user;
}
