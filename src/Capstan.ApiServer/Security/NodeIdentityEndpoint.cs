using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Capstan.Api.Registry;
using Capstan.Api.Validation;
using Capstan.ApiServer.Hosting;
using Capstan.ApiServer.Http;
using Microsoft.AspNetCore.Http;

namespace Capstan.ApiServer.Security;

/// <summary>
/// How an agent turns the join token into a node identity (k3s' <c>/v1-k3s/client-kubelet.crt</c> idea):
/// <c>GET /cacerts</c> (no authentication) returns the CA bundle the agent pins against the token's CA hash;
/// <c>POST /v1-capstan/node-identity</c>, authenticated by the join token, takes <c>{"nodeName", "csr"}</c> with a PEM
/// PKCS#10 request for <c>CN=system:node:&lt;nodeName&gt;, O=system:nodes</c> and returns the signed certificate.
/// An agent that runs simulated nodes (<c>--fake-nodes</c>) asks for <c>CN=system:capstan:fake-nodes:&lt;nodeName&gt;</c> instead:
/// one identity acting for many nodes, which the Node authorizer leaves to RBAC's system:nodes rules. The join token could
/// already mint any node's identity, so this grants nothing more.
/// </summary>
public sealed class NodeIdentityEndpoint(ClusterPki pki) : IExtraEndpoint
{
    public const string CaPath = "/cacerts";
    public const string IdentityPath = "/v1-capstan/node-identity";
    public const string NodeUserPrefix = "system:node:";
    public const string FakeNodesUserPrefix = "system:capstan:fake-nodes:";

    public bool Handles(ResourceInfo resource, RequestInfo request) => false;

    public Task HandleAsync(HttpContext http, ResourceInfo resource, RequestInfo request, UserInfo user) => Task.CompletedTask;

    public async Task<bool> TryHandleNonResourceAsync(HttpContext http, string path)
    {
        if (path != IdentityPath)
        {
            return false;
        }

        if (http.Request.Method != "POST")
        {
            throw ApiException.MethodNotAllowed("the server does not allow this method on the requested resource");
        }

        var body = await BodyReader.ReadObjectAsync(http.Request, http.RequestAborted).ConfigureAwait(false);
        var nodeName = body["nodeName"] is JsonValue n && n.TryGetValue<string>(out var s) ? s : "";
        var csr = body["csr"] is JsonValue c && c.TryGetValue<string>(out var p) ? p : "";
        var errors = new List<FieldError>();
        foreach (var problem in NameFormats.IsDns1123Subdomain(nodeName))
        {
            errors.Add(FieldError.Invalid("nodeName", nodeName, problem));
        }

        if (csr.Length == 0)
        {
            errors.Add(FieldError.Required("csr", ""));
        }

        if (errors.Count > 0)
        {
            throw ApiException.Invalid("NodeIdentityRequest", nodeName, errors);
        }

        CertificateRequest request;
        try
        {
            request = CertificateRequest.LoadSigningRequestPem(csr, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default, RSASignaturePadding.Pkcs1);
        }
        catch (CryptographicException ex)
        {
            throw ApiException.Invalid("NodeIdentityRequest", nodeName, [FieldError.Invalid("csr", "", "not a valid PEM certificate signing request: " + ex.Message)]);
        }

        var expected = new X500DistinguishedName($"CN={NodeUserPrefix}{nodeName}, O={SystemGroups.Nodes}");
        var fakeNodes = new X500DistinguishedName($"CN={FakeNodesUserPrefix}{nodeName}, O={SystemGroups.Nodes}");
        if (!SameSubject(request.SubjectName, expected) && !SameSubject(request.SubjectName, fakeNodes))
        {
            throw ApiException.Invalid("NodeIdentityRequest", nodeName,
                [FieldError.Invalid("csr", request.SubjectName.Name, $"the subject must be \"CN={NodeUserPrefix}{nodeName}, O={SystemGroups.Nodes}\"")]);
        }

        // As long as the server's own leaves (--certificate-validity): agents renew theirs by joining again once a third is left.
        var certificate = pki.SignClientCertificateRequest(csr, pki.LeafValidity);
        await ResponseWriter.WriteAsync(http, 201, new JsonObject
        {
            ["nodeName"] = nodeName,
            ["certificate"] = certificate,
            ["ca"] = pki.CaCertificatePem,
        }).ConfigureAwait(false);
        return true;
    }

    /// <summary>Serves <see cref="CaPath"/> before authentication: the CA is public, and the agent checks it against its token.</summary>
    public Task WriteCaAsync(HttpContext http) =>
        ResponseWriter.WriteRawAsync(http, 200, Encoding.ASCII.GetBytes(pki.CaCertificatePem + "\n"), "text/plain; charset=utf-8");

    private static bool SameSubject(X500DistinguishedName actual, X500DistinguishedName expected)
    {
        static string Normal(X500DistinguishedName name) =>
            string.Join(",", name.Format(true).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order(StringComparer.Ordinal));
        return Normal(actual) == Normal(expected);
    }
}
