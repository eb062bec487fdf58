using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Capstan.Api.Kinds;
using Capstan.Api.Kinds.Certificates;

namespace Capstan.Api.Tests.Kinds;

public sealed class CertificateSigningRequestStrategyTests
{
    private static readonly IKindStrategy Strategy = KindStrategies.Find("certificates.k8s.io", "CertificateSigningRequest")!;

    private static readonly string Request = Base64(
        new CertificateRequest("CN=jane, O=dev", ECDsa.Create(ECCurve.NamedCurves.nistP256), HashAlgorithmName.SHA256).CreateSigningRequestPem());

    private static string Base64(string text) => Convert.ToBase64String(Encoding.ASCII.GetBytes(text));

    private static JsonObject Csr(string spec, string status = "") =>
        Json.Parse($$"""{"apiVersion":"certificates.k8s.io/v1","kind":"CertificateSigningRequest","metadata":{"name":"c"},"spec":{{{spec}}}{{status}}}""");

    private static string Spec(string? request = null, string signer = "\"kubernetes.io/kube-apiserver-client\"", string usages = """["client auth"]""", string extra = "") =>
        "\"request\":\"" + (request ?? Request) + "\",\"signerName\":" + signer + ",\"usages\":" + usages + extra;

    [Fact]
    public void Validate_WellFormed_NoErrors() =>
        Assert.Empty(Strategy.Validate(Csr(Spec(extra: ""","expirationSeconds":600""")), null));

    [Theory]
    [InlineData("\"\"", "spec.signerName:FieldValueRequired")]
    [InlineData("\"no-slash\"", "spec.signerName:FieldValueInvalid")]
    [InlineData("\"example/x\"", "spec.signerName:FieldValueInvalid")]
    [InlineData("\"kubernetes.io/legacy-unknown\"", "spec.signerName:FieldValueInvalid")]
    public void Validate_SignerName(string signer, string expected) =>
        Assert.Equal([expected], Json.Fields(Strategy.Validate(Csr(Spec(signer: signer)), null)));

    [Theory]
    [InlineData("[]", "spec.usages:FieldValueRequired")]
    [InlineData("""["client auth","flying"]""", "spec.usages[1]:FieldValueNotSupported")]
    [InlineData("""["client auth","client auth"]""", "spec.usages[1]:FieldValueDuplicate")]
    public void Validate_Usages(string usages, string expected) =>
        Assert.Equal([expected], Json.Fields(Strategy.Validate(Csr(Spec(usages: usages)), null)));

    [Fact]
    public void Validate_ExpirationUnder600_Invalid() =>
        Assert.Equal(["spec.expirationSeconds:FieldValueInvalid"], Json.Fields(Strategy.Validate(Csr(Spec(extra: ""","expirationSeconds":599""")), null)));

    [Theory]
    [InlineData("")]
    [InlineData("bm90IHBlbQ==")]
    [InlineData("LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0KQUFBQQotLS0tLUVORCBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0K")]
    public void Validate_RequestNotACsr_Invalid(string request)
    {
        var errors = Json.Fields(Strategy.Validate(Csr(Spec(request: request)), null)).ToList();
        Assert.Single(errors);
        Assert.StartsWith("spec.request:", errors[0], StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateUpdate_SpecChanged_Immutable()
    {
        var old = Csr(Spec());
        Assert.Equal(["spec:FieldValueInvalid"], Json.Fields(Strategy.Validate(Csr(Spec(usages: """["client auth","digital signature"]""")), old)));
    }

    [Theory]
    [InlineData("""[{"type":"Approved","status":"True"},{"type":"Denied","status":"True"}]""", "status.conditions:FieldValueInvalid")]
    [InlineData("""[{"type":"Approved","status":"True"},{"type":"Approved","status":"True"}]""", "status.conditions[1].type:FieldValueDuplicate")]
    [InlineData("""[{"type":"Approved","status":"False"}]""", "status.conditions[0].status:FieldValueNotSupported")]
    [InlineData("""[{"status":"True"}]""", "status.conditions[0].type:FieldValueRequired")]
    public void ValidateStatus_Conditions(string conditions, string expected)
    {
        var old = Csr(Spec());
        Assert.Contains(expected, Json.Fields(Strategy.ValidateStatus(Csr(Spec(), $$""","status":{"conditions":{{conditions}}}"""), old)));
    }

    [Fact]
    public void ValidateStatus_RemovingApproval_Forbidden()
    {
        var old = Csr(Spec(), ""","status":{"conditions":[{"type":"Approved","status":"True"}]}""");
        Assert.Equal(["status.conditions:FieldValueForbidden"], Json.Fields(Strategy.ValidateStatus(Csr(Spec()), old)));
    }

    [Fact]
    public void ValidateStatus_Certificate_NeedsApprovalAndPem_AndThenNeverChanges()
    {
        var pem = Base64("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        var pending = Csr(Spec());
        var approved = Csr(Spec(), ""","status":{"conditions":[{"type":"Approved","status":"True"}]}""");
        string Issued(string certificate) => $$""","status":{"conditions":[{"type":"Approved","status":"True"}],"certificate":"{{certificate}}"}""";

        Assert.Equal(["status.certificate:FieldValueForbidden"], Json.Fields(Strategy.ValidateStatus(Csr(Spec(), $$""","status":{"certificate":"{{pem}}"}"""), pending)));
        Assert.Equal(["status.certificate:FieldValueInvalid"], Json.Fields(Strategy.ValidateStatus(Csr(Spec(), Issued(Base64("junk"))), approved)));
        Assert.Empty(Strategy.ValidateStatus(Csr(Spec(), Issued(pem)), approved));
        Assert.Equal(["status.certificate:FieldValueForbidden"], Json.Fields(Strategy.ValidateStatus(Csr(Spec(), Issued(Base64("-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n"))), Csr(Spec(), Issued(pem)))));
    }

    [Fact]
    public void MergeStatus_Approval_TakesOnlyConditions()
    {
        var old = Csr(Spec(), ""","status":{"certificate":"Y2VydA=="}""");
        var written = JsonNode.Parse("""{"conditions":[{"type":"Approved","status":"True"}],"certificate":"b3RoZXI="}""");

        var merged = CertificateConditions.MergeStatus(old, written, "approval")!;

        Assert.Equal("Y2VydA==", merged["certificate"]!.GetValue<string>());
        Assert.Equal("Approved", merged["conditions"]![0]!["type"]!.GetValue<string>());
    }

    [Fact]
    public void MergeStatus_Status_KeepsStoredApprovalAndDenial()
    {
        var old = Csr(Spec(), ""","status":{"conditions":[{"type":"Denied","status":"True"}]}""");
        var written = JsonNode.Parse("""{"conditions":[{"type":"Approved","status":"True"},{"type":"Failed","status":"True"}]}""");

        var merged = CertificateConditions.MergeStatus(old, written, "status")!;

        Assert.Equal(["Failed", "Denied"], merged["conditions"]!.AsArray().Select(c => c!["type"]!.GetValue<string>()));
    }
}
