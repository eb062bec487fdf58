using System.Text;
using System.Text.Json;
using Capstan.Api.Registry;
using Capstan.ApiServer.Discovery;
using Capstan.ApiServer.Handlers;
using Capstan.ApiServer.Http;
using Capstan.ApiServer.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Capstan.ApiServer.Hosting;

/// <summary>Routes every request: health and version, then authentication, authorisation, discovery, OpenAPI and resources.</summary>
public sealed class ApiRouter(
    ResourceRegistry registry,
    DiscoveryDocuments discovery,
    ResourceEndpoint resources,
    IRequestSecurity security,
    Func<bool> ready,
    ILogger logger)
{
    private static readonly byte[] Ok = "ok"u8.ToArray();

    public List<IExtraEndpoint> Extras { get; } = [];

    /// <summary>Serves the CA bundle at <c>/cacerts</c> without authentication (agents pin it against their join token).</summary>
    public Func<HttpContext, Task>? CaBundle { get; set; }

    /// <summary>
    /// Waits until the watch cache has every acknowledged write, so authorisation (RBAC, the node graph) sees the caller's
    /// own recent role, binding and pod changes, as reads already do.
    /// </summary>
    public Func<CancellationToken, Task>? SyncAuthorization { get; set; }

    /// <summary>Where every request is recorded (<c>--audit-log-path</c>); null: no audit log.</summary>
    public Capstan.ApiServer.Audit.AuditLog? Audit { get; set; }

    public async Task HandleAsync(HttpContext http)
    {
        var audit = Audit;
        if (audit is null)
        {
            await HandleCoreAsync(http).ConfigureAwait(false);
            return;
        }

        var received = DateTimeOffset.UtcNow;
        var auditId = Guid.NewGuid().ToString();
        http.Response.Headers["Audit-Id"] = auditId;
        try
        {
            await HandleCoreAsync(http).ConfigureAwait(false);
        }
        finally
        {
            audit.Record(Capstan.ApiServer.Audit.AuditRecord.For(http, auditId, received, DateTimeOffset.UtcNow));
        }
    }

    private async Task HandleCoreAsync(HttpContext http)
    {
        try
        {
            await RouteAsync(http).ConfigureAwait(false);
        }
        catch (ApiException ex)
        {
            if (!http.Response.HasStarted)
            {
                await ResponseWriter.WriteErrorAsync(http, ex).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is BadHttpRequestException or Microsoft.AspNetCore.Connections.ConnectionResetException or IOException)
        {
            logger.LogDebug(ex, "request {Method} {Path} aborted", http.Request.Method, http.Request.Path);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "internal error serving {Method} {Path}", http.Request.Method, http.Request.Path);
            if (!http.Response.HasStarted)
            {
                await ResponseWriter.WriteErrorAsync(http, new ApiException(500, "InternalError", $"Internal error occurred: {ex.Message}")).ConfigureAwait(false);
            }
        }
    }

    private async Task RouteAsync(HttpContext http)
    {
        var path = http.Request.Path.Value ?? "/";
        if (path.Length > 1 && path.EndsWith('/'))
        {
            path = path.TrimEnd('/');
        }

        switch (path)
        {
            case "/healthz" or "/livez" or "/healthz/ping" or "/livez/ping":
                await ResponseWriter.WriteRawAsync(http, 200, Ok, "text/plain; charset=utf-8").ConfigureAwait(false);
                return;
            case "/readyz" or "/readyz/ping":
                if (ready())
                {
                    await ResponseWriter.WriteRawAsync(http, 200, Ok, "text/plain; charset=utf-8").ConfigureAwait(false);
                }
                else
                {
                    await ResponseWriter.WriteRawAsync(http, 500, "[-]not ready: starting\nreadyz check failed"u8.ToArray(), "text/plain; charset=utf-8").ConfigureAwait(false);
                }

                return;
            case "/version":
                await ResponseWriter.WriteAsync(http, 200, VersionInfo.ToJson()).ConfigureAwait(false);
                return;
            case NodeIdentityEndpoint.CaPath when CaBundle is not null:
                await CaBundle(http).ConfigureAwait(false);
                return;
        }

        // In-process callers (the controllers inside `capstan server`) carry an identity the server gave them; they are
        // authorised like everyone else below.
        var authn = http.Features.Get<InProcessIdentityFeature>() is { } inProcess
            ? AuthenticationResult.Success(inProcess.User, "in-process")
            : await security.AuthenticateAsync(http).ConfigureAwait(false);
        if (!authn.IsAuthenticated || authn.User.IsAnonymous)
        {
            throw ApiException.Unauthorized();
        }

        var user = authn.User;
        if (SyncAuthorization is not null && !user.IsInGroup(SystemGroups.Masters))
        {
            await SyncAuthorization(http.RequestAborted).ConfigureAwait(false);
        }

        if (Impersonation.IsRequested(http.Request.Headers))
        {
            // kubectl --as/--as-group: each impersonated piece needs the impersonate verb; the request then runs as that user.
            var impersonation = Impersonation.Apply(user, http.Request.Headers, AuthorizeAttributes);
            if (impersonation.Error is { } error)
            {
                throw new ApiException(error.Code ?? 403, error.Reason ?? "Forbidden", error.Message ?? "");
            }

            http.Items[Capstan.ApiServer.Audit.AuditRecord.RequesterKey] = user;
            user = impersonation.User;
        }

        http.Items[typeof(UserInfo)] = user;
        var info = Streaming.PodStreamEndpoint.Authorizable(
            RequestInfo.Parse(http.Request.Method, path, http.Request.Query["watch"] is var w && (w == "true" || w == "1")));
        if (info.IsResourceRequest && info.Name.Length == 0 && info.Verb is "list" or "watch")
        {
            info = info with { SelectedName = RequestInfo.NameFromFieldSelector(http.Request.Query["fieldSelector"]) };
        }

        http.Items[typeof(RequestInfo)] = info;
        var denied = security.Authorize(user, info);
        if (denied is not null)
        {
            throw Forbidden(user, info, denied);
        }

        if (!info.IsResourceRequest)
        {
            await NonResourceAsync(http, path).ConfigureAwait(false);
            return;
        }

        var r = registry.Find(info.Group, info.Version, info.Resource)
            ?? throw new ApiException(404, "NotFound", "the server could not find the requested resource");
        foreach (var extra in Extras)
        {
            if (extra.Handles(r, info))
            {
                await extra.HandleAsync(http, r, info, user).ConfigureAwait(false);
                return;
            }
        }

        if (r.IsVirtual)
        {
            throw new ApiException(404, "NotFound", "the server could not find the requested resource");
        }

        await resources.HandleAsync(http, info, r, user.Name).ConfigureAwait(false);
    }

    private AuthorizationDecision AuthorizeAttributes(UserInfo user, RequestAttributes a)
    {
        var request = new RequestInfo
        {
            IsResourceRequest = a.IsResourceRequest,
            Path = a.Path,
            Verb = a.Verb,
            Group = a.ApiGroup,
            Resource = a.Resource,
            Subresource = a.Subresource,
            Namespace = a.Namespace,
            Name = a.Name,
        };
        var denied = security.Authorize(user, request);
        return denied is null ? AuthorizationDecision.Allow("") : AuthorizationDecision.Deny(denied);
    }

    private async Task NonResourceAsync(HttpContext http, string path)
    {
        var wantsAggregated = http.Request.Headers.Accept.ToString().Contains("apidiscovery.k8s.io;v=v2;", StringComparison.Ordinal)
            || http.Request.Headers.Accept.ToString().Contains("apidiscovery.k8s.io;v=v2,", StringComparison.Ordinal)
            || http.Request.Headers.Accept.ToString().EndsWith("apidiscovery.k8s.io;v=v2", StringComparison.Ordinal);
        switch (path)
        {
            case "/api":
                await WriteDiscoveryAsync(http, wantsAggregated ? discovery.AggregatedApi : discovery.Api, wantsAggregated).ConfigureAwait(false);
                return;
            case "/apis":
                await WriteDiscoveryAsync(http, wantsAggregated ? discovery.AggregatedApis : discovery.Apis, wantsAggregated).ConfigureAwait(false);
                return;
            case "/metrics":
                await ResponseWriter.WriteRawAsync(http, 200, ProcessMetrics.Render(), ProcessMetrics.ContentType).ConfigureAwait(false);
                return;
        }

        foreach (var extra in Extras)
        {
            if (await extra.TryHandleNonResourceAsync(http, path).ConfigureAwait(false))
            {
                return;
            }
        }

        var segments = path.Trim('/').Split('/');
        byte[]? doc = segments switch
        {
            ["api", var v] => discovery.ResourceList(v),
            ["apis", var g] => discovery.Group(g),
            ["apis", var g, var v] => discovery.ResourceList($"{g}/{v}"),
            _ => null,
        };
        if (doc is null)
        {
            throw new ApiException(404, "NotFound", "the server could not find the requested resource");
        }

        await ResponseWriter.WriteRawAsync(http, 200, doc).ConfigureAwait(false);
    }

    private static Task WriteDiscoveryAsync(HttpContext http, byte[] doc, bool aggregated)
    {
        if (aggregated)
        {
            http.Response.Headers.Vary = "Accept";
        }

        return ResponseWriter.WriteRawAsync(http, 200, doc, aggregated ? DiscoveryDocuments.AggregatedContentType : "application/json");
    }

    private static ApiException Forbidden(UserInfo user, RequestInfo info, string reason)
    {
        if (!info.IsResourceRequest)
        {
            return ApiException.Forbidden($"forbidden: User \"{user.Name}\" cannot {info.Verb} path \"{info.Path}\"{Suffix(reason)}");
        }

        var resource = info.Group.Length == 0 ? info.Resource : $"{info.Resource}.{info.Group}";
        var sub = info.Subresource.Length > 0 ? $"/{info.Subresource}" : "";
        var scope = info.Namespace.Length > 0 && info.Resource != "namespaces"
            ? $" in the namespace \"{info.Namespace}\""
            : " at the cluster scope";
        var message = info.Name.Length > 0
            ? $"{resource}{sub} \"{info.Name}\" is forbidden: User \"{user.Name}\" cannot {info.Verb} resource \"{info.Resource}{sub}\" in API group \"{info.Group}\"{scope}{Suffix(reason)}"
            : $"{resource}{sub} is forbidden: User \"{user.Name}\" cannot {info.Verb} resource \"{info.Resource}{sub}\" in API group \"{info.Group}\"{scope}{Suffix(reason)}";
        return ApiException.Forbidden(message, resource, info.Name);
    }

    private static string Suffix(string reason) => reason.Length == 0 ? "" : $": {reason}";
}

/// <summary>Endpoints outside the generic resource path: access reviews, OpenAPI, subresources served elsewhere.</summary>
public interface IExtraEndpoint
{
    bool Handles(ResourceInfo resource, RequestInfo request);

    Task HandleAsync(HttpContext http, ResourceInfo resource, RequestInfo request, UserInfo user);

    Task<bool> TryHandleNonResourceAsync(HttpContext http, string path);
}
