using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Capstan.ApiServer.Security;

namespace Capstan.ApiServer.Tests.Security;

public sealed class ServiceAccountTokenTests : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    public void Dispose() => _key.Dispose();

    private ServiceAccountTokenIssuer Issuer(ECDsa? key = null, string issuer = ServiceAccountTokenIssuer.DefaultIssuer) =>
        new(key ?? _key, issuer, _time);

    private ServiceAccountTokenValidator Validator(
        Func<ServiceAccountTokenClaims, CancellationToken, ValueTask<string?>>? liveness = null,
        IReadOnlyList<string>? audiences = null) =>
        new(_key, apiAudiences: audiences, checkLiveness: liveness, timeProvider: _time);

    [Fact]
    public async Task ValidateAsync_IssuedToken_AuthenticatesServiceAccount()
    {
        var (token, expiresAt) = Issuer().Issue("ci", "builder", "uid-1", null, TimeSpan.FromHours(1), ("runner-x", "pod-uid"), ("node-1", "node-uid"));

        var result = await Validator().ValidateAsync(token, CancellationToken.None);

        Assert.Equal(_time.GetUtcNow().AddHours(1), expiresAt);
        Assert.NotNull(result.User);
        Assert.Equal("system:serviceaccount:ci:builder", result.User.Name);
        Assert.Equal("uid-1", result.User.Uid);
        Assert.Equal(["system:serviceaccounts", "system:serviceaccounts:ci"], result.User.Groups);
        Assert.Equal(["runner-x"], result.User.Extra["authentication.kubernetes.io/pod-name"]);
        Assert.Equal(["node-1"], result.User.Extra["authentication.kubernetes.io/node-name"]);
        Assert.StartsWith("JTI=", result.User.Extra["authentication.kubernetes.io/credential-id"][0]);
    }

    [Fact]
    public void Issue_Token_HasKubernetesClaims()
    {
        var (token, _) = Issuer().Issue("ci", "builder", "uid-1", ["api"], TimeSpan.FromMinutes(10), ("runner-x", "pod-uid"));

        var parts = token.Split('.');
        var header = JsonNode.Parse(Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(parts[0])))!;
        var payload = JsonNode.Parse(Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(parts[1])))!;
        Assert.Equal("ES256", (string?)header["alg"]);
        Assert.Equal(ServiceAccountTokenValidator.KeyIdOf(_key), (string?)header["kid"]);
        Assert.Equal("system:serviceaccount:ci:builder", (string?)payload["sub"]);
        Assert.Equal("https://kubernetes.default.svc.cluster.local", (string?)payload["iss"]);
        Assert.Equal("api", (string?)payload["aud"]![0]);
        Assert.Equal("ci", (string?)payload["kubernetes.io"]!["namespace"]);
        Assert.Equal("uid-1", (string?)payload["kubernetes.io"]!["serviceaccount"]!["uid"]);
        Assert.Equal("pod-uid", (string?)payload["kubernetes.io"]!["pod"]!["uid"]);
        Assert.Equal(600, (long)payload["exp"]! - (long)payload["iat"]!);
    }

    [Fact]
    public async Task ValidateAsync_Expired_Rejected()
    {
        var (token, _) = Issuer().Issue("ci", "builder", "uid-1", null, TimeSpan.FromMinutes(10));
        _time.Advance(TimeSpan.FromMinutes(12));

        var result = await Validator().ValidateAsync(token, CancellationToken.None);

        Assert.Null(result.User);
        Assert.Equal("token has expired", result.Error);
    }

    [Fact]
    public async Task ValidateAsync_SignedByOtherKey_Rejected()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var (token, _) = Issuer(other).Issue("ci", "builder", "uid-1", null, TimeSpan.FromMinutes(10));

        var result = await Validator().ValidateAsync(token, CancellationToken.None);

        Assert.Equal("invalid signature", result.Error);
    }

    [Fact]
    public async Task ValidateAsync_TamperedPayload_Rejected()
    {
        var (token, _) = Issuer().Issue("ci", "builder", "uid-1", null, TimeSpan.FromMinutes(10));
        var (admin, _) = Issuer().Issue("kube-system", "admin", "uid-2", null, TimeSpan.FromMinutes(10));
        var parts = token.Split('.');
        var forged = parts[0] + "." + admin.Split('.')[1] + "." + parts[2];

        var result = await Validator().ValidateAsync(forged, CancellationToken.None);

        Assert.Equal("invalid signature", result.Error);
    }

    [Fact]
    public async Task ValidateAsync_WrongAudience_Rejected()
    {
        var (token, _) = Issuer().Issue("ci", "builder", "uid-1", ["vault"], TimeSpan.FromMinutes(10));

        var result = await Validator().ValidateAsync(token, CancellationToken.None);

        Assert.Null(result.User);
        Assert.Contains("audiences", result.Error);
    }

    [Theory]
    [InlineData("not-a-jwt")]
    [InlineData("a.b.c")]
    [InlineData("")]
    public async Task ValidateAsync_NotAJwt_NotRecognized(string token)
    {
        var result = await Validator().ValidateAsync(token, CancellationToken.None);

        Assert.False(result.IsRecognized);
    }

    [Fact]
    public async Task ValidateAsync_OtherIssuer_NotRecognized()
    {
        var (token, _) = Issuer(issuer: "https://someone.else").Issue("ci", "builder", "uid-1", ["https://kubernetes.default.svc.cluster.local"], TimeSpan.FromMinutes(10));

        var result = await Validator().ValidateAsync(token, CancellationToken.None);

        Assert.False(result.IsRecognized);
    }

    [Fact]
    public async Task ValidateAsync_LivenessCheckFails_Rejected()
    {
        var (token, _) = Issuer().Issue("ci", "builder", "uid-1", null, TimeSpan.FromMinutes(10));
        var validator = Validator((claims, _) => ValueTask.FromResult<string?>(
            claims.ServiceAccountUid == "uid-1" ? "service account ci/builder has been deleted" : null));

        var result = await validator.ValidateAsync(token, CancellationToken.None);

        Assert.Equal("service account ci/builder has been deleted", result.Error);
    }

    [Fact]
    public async Task Authenticator_WithServiceAccountValidator_AddsAuthenticatedGroup()
    {
        using var dir = new TemporaryDirectory();
        using var pki = ClusterPki.LoadOrCreate(dir.Path, new PkiOptions { HostName = "h", TimeProvider = _time });
        var issuer = new ServiceAccountTokenIssuer(pki.ServiceAccountSigningKey, timeProvider: _time);
        var validator = new ServiceAccountTokenValidator(pki.ServiceAccountSigningKey, timeProvider: _time);
        var authenticator = new Authenticator(pki.CaCertificate, pki.StaticTokens, [validator], _time);
        var (token, _) = issuer.Issue("default", "default", "u", null, TimeSpan.FromHours(1));

        var result = await authenticator.AuthenticateAsync(null, "Bearer " + token, CancellationToken.None);

        Assert.True(result.IsAuthenticated);
        Assert.Equal("serviceaccount", result.Method);
        Assert.Contains("system:authenticated", result.User.Groups);
    }

    [Fact]
    public void ClusterPki_ServiceAccountKey_IsKeptAcrossStarts()
    {
        using var dir = new TemporaryDirectory();
        string keyId;
        using (var first = ClusterPki.LoadOrCreate(dir.Path, new PkiOptions { HostName = "h", TimeProvider = _time }))
        {
            keyId = ServiceAccountTokenValidator.KeyIdOf(first.ServiceAccountSigningKey);
        }

        using var second = ClusterPki.LoadOrCreate(dir.Path, new PkiOptions { HostName = "h", TimeProvider = _time });

        Assert.Equal(keyId, ServiceAccountTokenValidator.KeyIdOf(second.ServiceAccountSigningKey));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(dir.File("service-account.key")));
        }
    }
}
