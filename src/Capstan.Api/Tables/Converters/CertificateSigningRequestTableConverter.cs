using System.Text.Json.Nodes;
using Capstan.Api.Kinds.Certificates;
using Capstan.Api.Validation;

namespace Capstan.Api.Tables.Converters;

internal sealed class CertificateSigningRequestTableConverter() : TableConverter("certificates.k8s.io", "CertificateSigningRequest",
[
    Column.Name,
    Column.Age,
    Column.Str("SignerName", "Name of the signer that will sign the certificate."),
    Column.Str("Requestor", "Name of the user that requested the certificate."),
    Column.Str("RequestedDuration", "Requested duration of the issued certificate."),
    Column.Str("Condition", "Approved, Denied or Pending; Failed and Issued when they apply."),
])
{
    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var spec = obj.Obj("spec") ?? new JsonObject();
        var requested = spec.Long("expirationSeconds") is { } seconds ? Duration.HumanShort(TimeSpan.FromSeconds(seconds)) : "<none>";
        return [Name(obj), Age(obj, now), spec.StrOrEmpty("signerName"), spec.StrOrEmpty("username"), requested, Condition(obj)];
    }

    private static string Condition(JsonObject csr)
    {
        var types = CertificateConditions.Conditions(csr).Select(c => c.Str("type")).ToHashSet();
        var condition = types.Contains(CertificateConditions.Denied) ? "Denied" : types.Contains(CertificateConditions.Approved) ? "Approved" : "Pending";
        if (types.Contains(CertificateConditions.Failed))
        {
            condition += ",Failed";
        }

        if (JsonAccess.AsString(csr["status"]?["certificate"]) is { Length: > 0 })
        {
            condition += ",Issued";
        }

        return condition;
    }
}
