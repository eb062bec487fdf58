using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Certificates;

/// <summary>
/// certificates.k8s.io/v1 CertificateSigningRequest: the request must be a PEM CSR whose signature verifies, signerName
/// is required and qualified (<c>example.com/name</c>), usages are required and known, expirationSeconds at least 600; the
/// spec is immutable. Status rules: Approved and Denied exclude each other and are never removed; a certificate is PEM,
/// needs an Approved request and is never changed once set.
/// </summary>
public sealed class CertificateSigningRequestStrategy : KindStrategy
{
    public const long MinExpirationSeconds = 600;

    public override string Group => "certificates.k8s.io";

    public override string Kind => "CertificateSigningRequest";

    protected override void ValidateObject(JsonObject obj, List<FieldError> errs)
    {
        var spec = obj.Obj("spec") ?? new JsonObject();
        ValidateRequest(spec, errs);
        ValidateSignerName(spec.Str("signerName"), errs);

        var usages = spec["usages"] as JsonArray;
        if (usages is null || usages.Count == 0)
        {
            errs.Add(FieldError.Required("spec.usages", "usages must be provided"));
        }
        else
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < usages.Count; i++)
            {
                var usage = JsonAccess.AsString(usages[i]) ?? "";
                if (!CertificateUsages.Known.Contains(usage))
                {
                    errs.Add(FieldError.NotSupported($"spec.usages[{i}]", usage, CertificateUsages.Known));
                }
                else if (!seen.Add(usage))
                {
                    errs.Add(FieldError.Duplicate($"spec.usages[{i}]", usage));
                }
            }
        }

        if (spec.Long("expirationSeconds") is { } seconds && seconds < MinExpirationSeconds)
        {
            errs.Add(FieldError.Invalid("spec.expirationSeconds", seconds, "may not specify a duration less than 600 seconds (10 minutes)"));
        }
    }

    protected override void ValidateCreate(JsonObject obj, List<FieldError> errs)
    {
        if (obj.Obj("spec")?.Str("signerName") == CertificateSigners.LegacyUnknown)
        {
            errs.Add(FieldError.Invalid("spec.signerName", CertificateSigners.LegacyUnknown, "the legacy signerName is not allowed via this API version"));
        }
    }

    protected override void ValidateUpdate(JsonObject obj, JsonObject old, List<FieldError> errs)
    {
        if (!JsonAccess.SameAs(obj["spec"], old["spec"]))
        {
            errs.Add(FieldError.Invalid("spec", null, ObjectMetaValidation.FieldImmutable));
        }
    }

    public override IEnumerable<FieldError> ValidateStatus(JsonObject obj, JsonObject old)
    {
        var errs = new List<FieldError>();
        var types = new HashSet<string>(StringComparer.Ordinal);
        var i = 0;
        foreach (var condition in CertificateConditions.Conditions(obj))
        {
            var path = $"status.conditions[{i++}]";
            var type = condition.Str("type") ?? "";
            if (type.Length == 0)
            {
                errs.Add(FieldError.Required(path + ".type", ""));
            }
            else if (type is CertificateConditions.Approved or CertificateConditions.Denied or CertificateConditions.Failed && !types.Add(type))
            {
                errs.Add(FieldError.Duplicate(path + ".type", type));
            }

            var status = condition.Str("status") ?? "";
            if (type is CertificateConditions.Approved or CertificateConditions.Denied && status != "True")
            {
                errs.Add(FieldError.NotSupported(path + ".status", status, ["True"]));
            }
            else if (status is not ("True" or "False" or "Unknown"))
            {
                errs.Add(status.Length == 0 ? FieldError.Required(path + ".status", "") : FieldError.NotSupported(path + ".status", status, ["False", "True", "Unknown"]));
            }
        }

        if (types.Contains(CertificateConditions.Approved) && types.Contains(CertificateConditions.Denied))
        {
            errs.Add(FieldError.Invalid("status.conditions", null, "Approved and Denied conditions are mutually exclusive"));
        }

        foreach (var type in new[] { CertificateConditions.Approved, CertificateConditions.Denied })
        {
            if (CertificateConditions.Has(old, type) && !types.Contains(type))
            {
                errs.Add(FieldError.Forbidden("status.conditions", $"updates may not remove a condition of type \"{type}\""));
            }
        }

        var certificate = obj["status"]?["certificate"];
        var oldCertificate = old["status"]?["certificate"];
        if (JsonAccess.AsString(oldCertificate) is { Length: > 0 } && !JsonAccess.SameAs(certificate, oldCertificate))
        {
            errs.Add(FieldError.Forbidden("status.certificate", "updates may not modify existing certificate content"));
        }
        else if (JsonAccess.AsString(certificate) is { Length: > 0 } encoded)
        {
            if (!types.Contains(CertificateConditions.Approved) || types.Contains(CertificateConditions.Failed))
            {
                errs.Add(FieldError.Forbidden("status.certificate", "certificate may only be set on an Approved request that has not Failed"));
            }
            else if (DecodePem(encoded) is not { } pem || !ContainsOnlyCertificates(pem))
            {
                errs.Add(FieldError.Invalid("status.certificate", "<certificate data>", "must contain at least one CERTIFICATE PEM block and nothing else"));
            }
        }

        return errs;
    }

    /// <summary>Decodes <c>spec.request</c> (base64 of a PEM CSR) and checks the CSR's signature; null with a reason when it is unusable.</summary>
    public static CertificateRequest? ParseRequest(string? encoded, out string error)
    {
        error = "";
        if (string.IsNullOrEmpty(encoded))
        {
            error = "request is required";
            return null;
        }

        if (DecodePem(encoded) is not { } pem)
        {
            error = "must be base64-encoded PEM";
            return null;
        }

        if (!pem.Contains("-----BEGIN CERTIFICATE REQUEST-----", StringComparison.Ordinal))
        {
            error = "PEM block type must be CERTIFICATE REQUEST";
            return null;
        }

        try
        {
            // Verifies the self-signature: the requester holds the private key of the public key it asks a certificate for.
            return CertificateRequest.LoadSigningRequestPem(pem, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default, RSASignaturePadding.Pkcs1);
        }
        catch (CryptographicException ex)
        {
            error = "invalid certificate request: " + ex.Message;
            return null;
        }
    }

    private static void ValidateRequest(JsonObject spec, List<FieldError> errs)
    {
        var encoded = spec.Str("request");
        if (string.IsNullOrEmpty(encoded))
        {
            errs.Add(FieldError.Required("spec.request", ""));
            return;
        }

        if (ParseRequest(encoded, out var error) is null)
        {
            errs.Add(FieldError.Invalid("spec.request", "<request data>", error));
        }
    }

    private static void ValidateSignerName(string? signerName, List<FieldError> errs)
    {
        if (string.IsNullOrEmpty(signerName))
        {
            errs.Add(FieldError.Required("spec.signerName", ""));
            return;
        }

        var slash = signerName.IndexOf('/');
        var domain = slash < 0 ? signerName : signerName[..slash];
        var path = slash < 0 ? "" : signerName[(slash + 1)..];
        if (slash <= 0 || path.Length == 0 || !domain.Contains('.') || NameFormats.IsDns1123Subdomain(domain).Count > 0 || path.Length > 571 - domain.Length)
        {
            errs.Add(FieldError.Invalid("spec.signerName", signerName, "must be a fully qualified domain and path of the form 'example.com/signer-name'"));
        }
    }

    private static string? DecodePem(string encoded)
    {
        try
        {
            return Encoding.ASCII.GetString(Convert.FromBase64String(encoded));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static bool ContainsOnlyCertificates(string pem)
    {
        var found = 0;
        var span = pem.AsSpan();
        while (PemEncoding.TryFind(span, out var fields))
        {
            if (span[fields.Label] is not "CERTIFICATE")
            {
                return false;
            }

            found++;
            span = span[fields.Location.End..];
        }

        return found > 0;
    }
}
