using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Capstan.ApiServer.Security;
using Microsoft.AspNetCore.Http;

namespace Capstan.ApiServer.Tests.Security;

public sealed class AuthenticatorTests : IDisposable
{
    private readonly TemporaryDirectory _dir = new();
    private readonly TemporaryDirectory _otherDir = new();
    private readonly ManualTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly ClusterPki _pki;

    public AuthenticatorTests()
    {
        _pki = ClusterPki.LoadOrCreate(_dir.Path, new PkiOptions { HostName = "test-host", TimeProvider = _time });
    }

    public void Dispose()
    {
        _pki.Dispose();
        _dir.Dispose();
        _otherDir.Dispose();
    }

    private Authenticator Create(IReadOnlyDictionary<string, UserInfo>? tokens = null, params ITokenValidator[] validators) =>
        new(_pki.CaCertificate, tokens, validators, _time);

    [Fact]
    public async Task AuthenticateAsync_CertificateFromClusterCa_Authenticates()
    {
        using var certificate = _pki.IssueClientCertificate("jane", ["dev", "ops"], TimeSpan.FromDays(1));

        var result = await Create().AuthenticateAsync(certificate, null, CancellationToken.None);

        Assert.Equal(AuthenticationOutcome.Authenticated, result.Outcome);
        Assert.Equal("jane", result.User.Name);
        Assert.Equal(["dev", "ops", "system:authenticated"], result.User.Groups);
        Assert.Equal("x509", result.Method);
    }

    [Fact]
    public async Task AuthenticateAsync_CertificateFromOtherCa_Fails()
    {
        using var other = ClusterPki.LoadOrCreate(_otherDir.Path, new PkiOptions { HostName = "other", TimeProvider = _time });
        using var certificate = other.IssueClientCertificate("system:admin", ["system:masters"], TimeSpan.FromDays(1));

        var result = await Create().AuthenticateAsync(certificate, null, CancellationToken.None);

        Assert.Equal(AuthenticationOutcome.Failed, result.Outcome);
        Assert.True(result.User.IsAnonymous);
        Assert.Contains("x509", result.Error);
    }

    [Fact]
    public async Task AuthenticateAsync_SelfSignedImpostorWithSameSubject_Fails()
    {
        using var key = System.Security.Cryptography.ECDsa.Create();
        var request = new CertificateRequest(_pki.CaCertificate.SubjectName, key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        using var impostor = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1));

        var result = await Create().AuthenticateAsync(impostor, null, CancellationToken.None);

        Assert.True(result.IsFailed);
    }

    [Fact]
    public async Task AuthenticateAsync_ExpiredCertificate_Fails()
    {
        using var certificate = _pki.IssueClientCertificate("jane", [], TimeSpan.FromDays(1));
        var authenticator = Create();
        Assert.True((await authenticator.AuthenticateAsync(certificate, null, CancellationToken.None)).IsAuthenticated);

        _time.Advance(TimeSpan.FromDays(2));
        var result = await authenticator.AuthenticateAsync(certificate, null, CancellationToken.None);

        Assert.True(result.IsFailed);
    }

    [Fact]
    public async Task AuthenticateAsync_ServingCertificateAsClientCertificate_Fails()
    {
        var result = await Create().AuthenticateAsync(_pki.ServingCertificate, null, CancellationToken.None);

        Assert.True(result.IsFailed);
    }

    [Fact]
    public async Task AuthenticateAsync_NoCredentials_IsAnonymous()
    {
        var result = await Create().AuthenticateAsync(null, null, CancellationToken.None);

        Assert.Equal(AuthenticationOutcome.Anonymous, result.Outcome);
        Assert.Equal("system:anonymous", result.User.Name);
        Assert.Equal(["system:unauthenticated"], result.User.Groups);
    }

    [Fact]
    public async Task AuthenticateAsync_BasicAuthorization_IsAnonymous()
    {
        var result = await Create().AuthenticateAsync(null, "Basic dXNlcjpwYXNz", CancellationToken.None);

        Assert.Equal(AuthenticationOutcome.Anonymous, result.Outcome);
    }

    [Fact]
    public async Task AuthenticateAsync_JoinToken_IsAgentJoinUser()
    {
        var authenticator = Create(_pki.StaticTokens);

        var result = await authenticator.AuthenticateAsync(null, "Bearer " + _pki.JoinToken, CancellationToken.None);

        Assert.True(result.IsAuthenticated);
        Assert.Equal("capstan:agent-join", result.User.Name);
        Assert.Contains("system:bootstrappers", result.User.Groups);
        Assert.Contains("system:nodes", result.User.Groups);
        Assert.Contains("system:authenticated", result.User.Groups);
        Assert.Equal("token", result.Method);
    }

    [Theory]
    [InlineData("Bearer wrong")]
    [InlineData("bearer wrong")]
    public async Task AuthenticateAsync_UnknownToken_Fails(string header)
    {
        var result = await Create(_pki.StaticTokens).AuthenticateAsync(null, header, CancellationToken.None);

        Assert.Equal(AuthenticationOutcome.Failed, result.Outcome);
    }

    [Fact]
    public async Task AuthenticateAsync_ValidatorRecognisesToken_UsesItsUser()
    {
        var validator = new FakeValidator("sa-jwt", token => token.StartsWith("eyJ", StringComparison.Ordinal)
            ? TokenValidationResult.Authenticated(ServiceAccountUser.Create("default", "builder"))
            : TokenValidationResult.NotRecognized);

        var result = await Create(null, validator).AuthenticateAsync(null, "Bearer eyJabc", CancellationToken.None);

        Assert.True(result.IsAuthenticated);
        Assert.Equal("system:serviceaccount:default:builder", result.User.Name);
        Assert.Contains("system:serviceaccounts:default", result.User.Groups);
        Assert.Equal("sa-jwt", result.Method);
    }

    [Fact]
    public async Task AuthenticateAsync_ValidatorRejectsToken_FailsWithItsReason()
    {
        var rejecting = new FakeValidator("sa-jwt", _ => TokenValidationResult.Rejected("token expired"));

        var result = await Create(null, rejecting).AuthenticateAsync(null, "Bearer eyJabc", CancellationToken.None);

        Assert.True(result.IsFailed);
        Assert.Contains("token expired", result.Error);
    }

    [Fact]
    public async Task AuthenticateAsync_BadCertificateButValidToken_AuthenticatesByToken()
    {
        using var other = ClusterPki.LoadOrCreate(_otherDir.Path, new PkiOptions { HostName = "other", TimeProvider = _time });

        var result = await Create(_pki.StaticTokens).AuthenticateAsync(other.AdminCertificate, "Bearer " + _pki.JoinToken, CancellationToken.None);

        Assert.True(result.IsAuthenticated);
        Assert.Equal("capstan:agent-join", result.User.Name);
    }

    [Fact]
    public async Task AuthenticateAsync_HttpContextWithWebSocketProtocolToken_Authenticates()
    {
        var context = new DefaultHttpContext();
        context.Features.Set<Microsoft.AspNetCore.Http.Features.IHttpWebSocketFeature>(new WebSocketRequest());
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes(_pki.JoinToken)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        context.Request.Headers.SecWebSocketProtocol = "v5.channel.k8s.io, " + Authenticator.WebSocketTokenProtocolPrefix + encoded;

        var result = await Create(_pki.StaticTokens).AuthenticateAsync(context, CancellationToken.None);

        Assert.True(result.IsAuthenticated);
        Assert.Equal("capstan:agent-join", result.User.Name);
    }

    [Fact]
    public async Task AuthenticateAsync_HttpContextWithClientCertificate_Authenticates()
    {
        var context = new DefaultHttpContext();
        context.Connection.ClientCertificate = _pki.AdminCertificate;

        var result = await Create().AuthenticateAsync(context, CancellationToken.None);

        Assert.Equal("system:admin", result.User.Name);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("Bearer ", null)]
    [InlineData("Bearer abc", "abc")]
    [InlineData("BEARER abc ", "abc")]
    [InlineData("Bearer a b", null)]
    [InlineData("Basic abc", null)]
    public void BearerToken_Header_ExtractsToken(string? header, string? expected)
    {
        Assert.Equal(expected, Authenticator.BearerToken(header));
    }

    [Fact]
    public async Task TlsHandshake_ServingCertificateAndAdminClientCertificate_AuthenticatesAdmin()
    {
        // What Kestrel does with AllowCertificate: accept any client certificate at the TLS layer, verify afterwards.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var serverTask = Task.Run(async () =>
        {
            using var socket = await listener.AcceptTcpClientAsync();
            await using var tls = new SslStream(socket.GetStream());
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = _pki.ServingCertificate,
                ClientCertificateRequired = true,
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            });
            var remote = tls.RemoteCertificate is null ? null : new X509Certificate2(tls.RemoteCertificate);
            return remote;
        });

        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        await using var clientTls = new SslStream(client.GetStream());
        await clientTls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ClientCertificates = [_pki.AdminCertificate],
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(_pki.CaCertificate);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return certificate is not null && chain.Build(new X509Certificate2(certificate));
            },
        });
        using var presented = await serverTask;

        Assert.NotNull(presented);
        var result = await new Authenticator(_pki.CaCertificate).AuthenticateAsync(presented, null, CancellationToken.None);
        Assert.Equal("system:admin", result.User.Name);
    }

    private sealed class FakeValidator(string name, Func<string, TokenValidationResult> validate) : ITokenValidator
    {
        public string Name => name;

        public ValueTask<TokenValidationResult> ValidateAsync(string token, CancellationToken cancellationToken) =>
            ValueTask.FromResult(validate(token));
    }

    private sealed class WebSocketRequest : Microsoft.AspNetCore.Http.Features.IHttpWebSocketFeature
    {
        public bool IsWebSocketRequest => true;

        public Task<System.Net.WebSockets.WebSocket> AcceptAsync(WebSocketAcceptContext context) => throw new NotSupportedException();
    }
}
