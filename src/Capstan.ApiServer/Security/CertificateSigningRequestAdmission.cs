using System.Text.Json.Nodes;
using Capstan.Api.Kinds.Certificates;
using Capstan.Api.Registry;
using Capstan.ApiServer.Admission;
using Capstan.ApiServer.Http;
using Capstan.ApiServer.Objects;

namespace Capstan.ApiServer.Security;

/// <summary>
/// Kubernetes' admission for CertificateSigningRequests, on the requester's identity:
/// <list type="bullet">
/// <item>create: records the requester in <c>spec.username</c>, <c>uid</c>, <c>groups</c> and <c>extra</c> (whatever the
/// client sent), and refuses a <c>kubernetes.io/kube-apiserver-client</c> request for the <c>system:masters</c> group
/// (CertificateSubjectRestriction: no one obtains unrestricted access through a CSR);</item>
/// <item>a change to the Approved or Denied condition needs the <c>approve</c> verb on <c>signers</c> (group
/// certificates.k8s.io) named by the signerName or its <c>&lt;domain&gt;/*</c> wildcard (CertificateApproval), on top of
/// the <c>update</c> on <c>certificatesigningrequests/approval</c> the request itself was authorised for;</item>
/// <item>setting <c>status.certificate</c> needs <c>sign</c> on that signer the same way (CertificateSigning).</item>
/// </list>
/// Writes the server makes itself carry no user and are not checked.
/// </summary>
public sealed class CertificateSigningRequestAdmission(RbacAuthorizer authorizer, IRbacSource rbac) : IWriteGuard
{
    private const string CertificatesGroup = "certificates.k8s.io";

    public void Check(ResourceInfo resource, JsonObject obj, JsonObject? old, WriteOptions options)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(obj);
        ArgumentNullException.ThrowIfNull(options);
        if (resource.Group != CertificatesGroup || resource.Kind != "CertificateSigningRequest" || options.User is not { } user)
        {
            return;
        }

        var name = ObjectMeta.Name(obj);
        var spec = obj["spec"] as JsonObject ?? new JsonObject();
        var signerName = ObjectMeta.Str(spec["signerName"]);
        if (old is null)
        {
            RecordRequester(spec, user);
            if (signerName == CertificateSigners.KubeApiServerClient
                && CertificateSigningRequestStrategy.ParseRequest(ObjectMeta.Str(spec["request"]), out _) is { } request
                && Organizations(request.SubjectName).Contains(SystemGroups.Masters))
            {
                throw ApiException.Forbidden(
                    $"{resource.GroupResource} \"{name}\" is forbidden: use of {signerName} signer with {SystemGroups.Masters} group is not allowed",
                    resource.GroupResource, name);
            }

            return;
        }

        if (DecisionChanged(obj, old) && !MaySign(user, "approve", signerName))
        {
            throw ApiException.Forbidden(
                $"{resource.GroupResource} \"{name}\" is forbidden: user not permitted to approve requests with signerName \"{signerName}\"",
                resource.GroupResource, name);
        }

        if (!JsonNode.DeepEquals(obj["status"]?["certificate"], old["status"]?["certificate"]) && !MaySign(user, "sign", signerName))
        {
            throw ApiException.Forbidden(
                $"{resource.GroupResource} \"{name}\" is forbidden: user not permitted to sign requests with signerName \"{signerName}\"",
                resource.GroupResource, name);
        }
    }

    private bool MaySign(UserInfo user, string verb, string signerName)
    {
        if (Allowed(user, verb, signerName))
        {
            return true;
        }

        var slash = signerName.IndexOf('/');
        return slash > 0 && Allowed(user, verb, signerName[..slash] + "/*");
    }

    private bool Allowed(UserInfo user, string verb, string signer) =>
        authorizer.Authorize(user, RequestAttributes.ForResource(verb, CertificatesGroup, "signers", name: signer), rbac).Allowed;

    private static bool DecisionChanged(JsonObject obj, JsonObject old) =>
        Decision(obj) != Decision(old);

    private static string Decision(JsonObject csr) =>
        string.Join(";", CertificateConditions.Conditions(csr)
            .Where(c => ObjectMeta.Str(c["type"]) is CertificateConditions.Approved or CertificateConditions.Denied)
            .Select(c => ObjectMeta.Str(c["type"]) + "=" + ObjectMeta.Str(c["status"])));

    private static void RecordRequester(JsonObject spec, UserInfo user)
    {
        spec["username"] = user.Name;
        if (user.Uid.Length > 0)
        {
            spec["uid"] = user.Uid;
        }
        else
        {
            spec.Remove("uid");
        }

        spec["groups"] = new JsonArray(user.Groups.Select(g => (JsonNode?)JsonValue.Create(g)).ToArray());
        if (user.Extra.Count > 0)
        {
            var extra = new JsonObject();
            foreach (var (key, values) in user.Extra)
            {
                extra[key] = new JsonArray(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
            }

            spec["extra"] = extra;
        }
        else
        {
            spec.Remove("extra");
        }
    }

    private static List<string> Organizations(System.Security.Cryptography.X509Certificates.X500DistinguishedName subject) =>
        subject.EnumerateRelativeDistinguishedNames()
            .Where(rdn => rdn.GetSingleElementType().Value == "2.5.4.10")
            .Select(rdn => rdn.GetSingleElementValue() ?? "")
            .ToList();
}
