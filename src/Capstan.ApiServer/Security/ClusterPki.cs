using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Capstan.ApiServer.Security;

/// <summary>
/// The cluster's certificates and join token, kept in the data dir. The first start creates them; later starts reuse
/// them and rotate what is about to lapse:
/// <list type="bullet">
/// <item><c>ca.crt</c>/<c>ca.key</c>: self-signed ECDSA P-256 CA, 10 years. Recreated only when missing, unreadable or expired
/// (which invalidates every certificate and token it stood behind).</item>
/// <item><c>server.crt</c>/<c>server.key</c>: serving certificate, 1 year; reissued when its SANs differ from the wanted ones,
/// when it expires within 30 days, or when the CA changed.</item>
/// <item><c>admin.crt</c>/<c>admin.key</c>: client certificate CN=system:admin, O=system:masters, 1 year; same rotation rule.</item>
/// <item><c>apiserver-kubelet-client.crt</c>/<c>.key</c>: client certificate CN=capstan:apiserver, O=system:masters, 1 year,
/// presented to node agents when proxying logs, exec, attach and port-forward; same rotation rule.</item>
/// <item><c>token</c>: the node-join token (see <see cref="Security.JoinToken"/>); reissued when the CA changed.</item>
/// <item><c>service-account.key</c>: ECDSA P-256 key signing service-account tokens; kept across starts so issued tokens stay valid.</item>
/// <item><c>kubeconfig.yaml</c>: rewritten whenever its content would change (new admin certificate, other port).</item>
/// </list>
/// Key files, the token and kubeconfig.yaml are mode 0600.
/// </summary>
public sealed class ClusterPki : IDisposable
{
    public const string CaCertificateFile = "ca.crt";
    public const string CaKeyFile = "ca.key";
    public const string ServingCertificateFile = "server.crt";
    public const string ServingKeyFile = "server.key";
    public const string AdminCertificateFile = "admin.crt";
    public const string AdminKeyFile = "admin.key";
    public const string KubeletClientCertificateFile = "apiserver-kubelet-client.crt";
    public const string KubeletClientKeyFile = "apiserver-kubelet-client.key";
    public const string KubeletClientUser = "capstan:apiserver";
    public const string TokenFile = "token";
    public const string KubeconfigFile = "kubeconfig.yaml";
    public const string ServiceAccountKeyFile = "service-account.key";

    public static readonly TimeSpan CaValidity = TimeSpan.FromDays(3650);
    public static readonly TimeSpan LeafValidity = TimeSpan.FromDays(365);

    /// <summary>Certificates closer than this to their expiry are reissued at start.</summary>
    public static readonly TimeSpan RenewBefore = TimeSpan.FromDays(30);

    /// <summary>Names every serving certificate carries besides the host name and the extra SANs.</summary>
    public static readonly IReadOnlyList<string> DefaultSans =
    [
        "127.0.0.1", "::1", "localhost",
        "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local",
    ];

    private readonly CertificateAuthority _authority;
    private readonly TimeProvider _timeProvider;

    private ClusterPki(
        string dataDirectory,
        CertificateAuthority authority,
        X509Certificate2 servingCertificate,
        X509Certificate2 adminCertificate,
        X509Certificate2 kubeletClientCertificate,
        string joinToken,
        string kubeconfigYaml,
        string serverUrl,
        ECDsa serviceAccountSigningKey,
        TimeProvider timeProvider)
    {
        ServiceAccountSigningKey = serviceAccountSigningKey;
        DataDirectory = dataDirectory;
        _authority = authority;
        ServingCertificate = servingCertificate;
        AdminCertificate = adminCertificate;
        KubeletClientCertificate = kubeletClientCertificate;
        JoinToken = joinToken;
        KubeconfigYaml = kubeconfigYaml;
        ServerUrl = serverUrl;
        _timeProvider = timeProvider;
    }

    public string DataDirectory { get; }

    /// <summary>The CA certificate (public part only): the trust root for clients and for client-certificate authentication.</summary>
    public X509Certificate2 CaCertificate => _authority.Certificate;

    public string CaCertificatePem => _authority.Certificate.ExportCertificatePem();

    /// <summary>The serving certificate WITH its private key, ready for Kestrel's <c>ServerCertificate</c>.</summary>
    public X509Certificate2 ServingCertificate { get; }

    /// <summary>The admin client certificate WITH its private key (CN=system:admin, O=system:masters).</summary>
    public X509Certificate2 AdminCertificate { get; }

    /// <summary>The certificate the API server presents to node agents, WITH its private key (CN=capstan:apiserver, O=system:masters).</summary>
    public X509Certificate2 KubeletClientCertificate { get; }

    public string JoinToken { get; }

    /// <summary>The key <see cref="ServiceAccountTokenIssuer"/> signs with and <see cref="ServiceAccountTokenValidator"/> verifies with.</summary>
    public ECDsa ServiceAccountSigningKey { get; }

    public string KubeconfigYaml { get; }

    public string KubeconfigPath => Path.Combine(DataDirectory, KubeconfigFile);

    /// <summary><c>https://127.0.0.1:&lt;port&gt;</c>, as written into the kubeconfig.</summary>
    public string ServerUrl { get; }

    /// <summary>True when this call created a new CA (first start, or the old one was missing or expired).</summary>
    public bool CreatedCa { get; private init; }

    /// <summary>True when this call (re)issued the serving certificate.</summary>
    public bool IssuedServingCertificate { get; private init; }

    /// <summary>The static bearer tokens this PKI defines: the join token (full and bare-secret forms) → <see cref="Security.JoinToken.User"/>.</summary>
    public IReadOnlyDictionary<string, UserInfo> StaticTokens
    {
        get
        {
            var tokens = new Dictionary<string, UserInfo>(StringComparer.Ordinal) { [JoinToken] = Security.JoinToken.User };
            if (Security.JoinToken.TryParse(JoinToken, out _, out var secret) && secret.Length > 0)
            {
                tokens[secret] = Security.JoinToken.User;
            }

            return tokens;
        }
    }

    public static ClusterPki LoadOrCreate(string dataDir, PkiOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDir);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Port, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Port, 65535, nameof(options));
        PemFiles.EnsureDirectory(dataDir);
        var now = options.TimeProvider.GetUtcNow();
        string PathOf(string file) => Path.Combine(dataDir, file);

        var (authority, createdCa) = LoadOrCreateAuthority(PathOf(CaCertificateFile), PathOf(CaKeyFile), now);

        var wantedSans = WantedSans(options);
        var serving = PemFiles.TryLoadWithKey(PathOf(ServingCertificateFile), PathOf(ServingKeyFile));
        var issueServing = serving is null || NeedsRenewal(serving, authority, now) || !SameSans(serving, wantedSans);
        if (serving is null || issueServing)
        {
            serving?.Dispose();
            serving = authority.IssueServing("capstan-apiserver", wantedSans, now, LeafValidity);
            PemFiles.Write(PathOf(ServingCertificateFile), PathOf(ServingKeyFile), serving);
        }
        else
        {
            PemFiles.EnsureMode(PathOf(ServingKeyFile), PemFiles.Secret);
        }

        var admin = PemFiles.TryLoadWithKey(PathOf(AdminCertificateFile), PathOf(AdminKeyFile));
        if (admin is null || NeedsRenewal(admin, authority, now))
        {
            admin?.Dispose();
            admin = authority.IssueClient(SystemUsers.Admin, [SystemGroups.Masters], now, LeafValidity);
            PemFiles.Write(PathOf(AdminCertificateFile), PathOf(AdminKeyFile), admin);
        }
        else
        {
            PemFiles.EnsureMode(PathOf(AdminKeyFile), PemFiles.Secret);
        }

        var kubeletClient = PemFiles.TryLoadWithKey(PathOf(KubeletClientCertificateFile), PathOf(KubeletClientKeyFile));
        if (kubeletClient is null || NeedsRenewal(kubeletClient, authority, now))
        {
            kubeletClient?.Dispose();
            kubeletClient = authority.IssueClient(KubeletClientUser, [SystemGroups.Masters], now, LeafValidity);
            PemFiles.Write(PathOf(KubeletClientCertificateFile), PathOf(KubeletClientKeyFile), kubeletClient);
        }
        else
        {
            PemFiles.EnsureMode(PathOf(KubeletClientKeyFile), PemFiles.Secret);
        }

        var token = LoadOrCreateToken(PathOf(TokenFile), authority.Certificate);

        var serverUrl = "https://127.0.0.1:" + options.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var kubeconfig = Kubeconfig.Render(serverUrl, authority.Certificate, admin);
        var kubeconfigPath = PathOf(KubeconfigFile);
        if (!File.Exists(kubeconfigPath) || File.ReadAllText(kubeconfigPath) != kubeconfig)
        {
            PemFiles.WriteAtomically(kubeconfigPath, kubeconfig, PemFiles.Secret);
        }
        else
        {
            PemFiles.EnsureMode(kubeconfigPath, PemFiles.Secret);
        }

        var serviceAccountKey = LoadOrCreateKey(PathOf(ServiceAccountKeyFile));

        return new ClusterPki(dataDir, authority, serving, admin, kubeletClient, token, kubeconfig, serverUrl, serviceAccountKey, options.TimeProvider)
        {
            CreatedCa = createdCa,
            IssuedServingCertificate = issueServing,
        };
    }

    /// <summary>
    /// A client certificate signed by the cluster CA, WITH its private key: CN becomes the user name and each O a group
    /// (e.g. node agents: <c>system:node:&lt;name&gt;</c> in <c>system:nodes</c>).
    /// </summary>
    public X509Certificate2 IssueClientCertificate(string commonName, string[] organizations, TimeSpan validity)
    {
        ArgumentException.ThrowIfNullOrEmpty(commonName);
        return _authority.IssueClient(commonName, organizations ?? [], _timeProvider.GetUtcNow(), validity);
    }

    /// <summary>
    /// Signs a PEM PKCS#10 certificate signing request (a CertificateSigningRequest's <c>spec.request</c>) as a client
    /// certificate: the CSR's CN and O become user and groups. Returns the certificate PEM (the CSR's <c>status.certificate</c>).
    /// Whether the requester may have that identity (e.g. <c>system:node:&lt;name&gt;</c>) is the caller's decision.
    /// </summary>
    /// <exception cref="CryptographicException">The request is malformed or its signature does not verify.</exception>
    public string SignClientCertificateRequest(string requestPem, TimeSpan validity)
    {
        ArgumentException.ThrowIfNullOrEmpty(requestPem);
        using var certificate = _authority.SignClientRequest(requestPem, _timeProvider.GetUtcNow(), validity);
        return certificate.ExportCertificatePem();
    }

    /// <summary>A serving certificate signed by the cluster CA (e.g. for a node agent's log/exec endpoint), WITH its private key.</summary>
    public X509Certificate2 IssueServingCertificate(string commonName, IEnumerable<string> subjectAlternativeNames, TimeSpan validity)
    {
        ArgumentException.ThrowIfNullOrEmpty(commonName);
        return _authority.IssueServing(commonName, subjectAlternativeNames, _timeProvider.GetUtcNow(), validity);
    }

    /// <summary>A kubeconfig for another identity (an agent, a controller) against <paramref name="server"/>.</summary>
    public string RenderKubeconfig(string server, X509Certificate2 clientCertificate, string userName) =>
        Kubeconfig.Render(server, CaCertificate, clientCertificate, userName: userName);

    public void Dispose()
    {
        ServingCertificate.Dispose();
        AdminCertificate.Dispose();
        KubeletClientCertificate.Dispose();
        _authority.Key.Dispose();
        ServiceAccountSigningKey.Dispose();
        _authority.Certificate.Dispose();
    }

    private static (CertificateAuthority Authority, bool Created) LoadOrCreateAuthority(string certificatePath, string keyPath, DateTimeOffset now)
    {
        var existing = PemFiles.TryLoadWithKey(certificatePath, keyPath);
        if (existing is not null && existing.NotAfter.ToUniversalTime() > now.UtcDateTime)
        {
            PemFiles.EnsureMode(keyPath, PemFiles.Secret);
            var key = existing.GetECDsaPrivateKey();
            if (key is not null)
            {
                var publicPart = X509CertificateLoader.LoadCertificate(existing.RawData);
                existing.Dispose();
                return (new CertificateAuthority(publicPart, key), false);
            }
        }

        existing?.Dispose();
        var unixTime = now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var authority = CertificateAuthority.Create("capstan-ca@" + unixTime, now, CaValidity);
        PemFiles.WriteAtomically(keyPath, authority.Key.ExportPkcs8PrivateKeyPem(), PemFiles.Secret);
        PemFiles.WriteAtomically(certificatePath, authority.Certificate.ExportCertificatePem(), PemFiles.Public);
        return (authority, true);
    }

    private static ECDsa LoadOrCreateKey(string path)
    {
        var key = ECDsa.Create();
        if (File.Exists(path))
        {
            try
            {
                key.ImportFromPem(File.ReadAllText(path));
                PemFiles.EnsureMode(path, PemFiles.Secret);
                return key;
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException)
            {
                // Unreadable: replace it below (tokens signed with the old key stop working, as they would have anyway).
            }
        }

        key.GenerateKey(ECCurve.NamedCurves.nistP256);
        PemFiles.WriteAtomically(path, key.ExportPkcs8PrivateKeyPem(), PemFiles.Secret);
        return key;
    }

    private static string LoadOrCreateToken(string path, X509Certificate2 ca)
    {
        if (File.Exists(path))
        {
            var existing = File.ReadAllText(path).Trim();
            if (existing.StartsWith("K10", StringComparison.Ordinal) && Security.JoinToken.PinsCa(existing, ca))
            {
                PemFiles.EnsureMode(path, PemFiles.Secret);
                return existing;
            }
        }

        var token = Security.JoinToken.Create(ca);
        PemFiles.WriteAtomically(path, token + "\n", PemFiles.Secret);
        return token;
    }

    private static bool NeedsRenewal(X509Certificate2 certificate, CertificateAuthority authority, DateTimeOffset now) =>
        certificate.NotAfter.ToUniversalTime() - now.UtcDateTime < RenewBefore || !authority.Signed(certificate, now);

    private static List<string> WantedSans(PkiOptions options)
    {
        var sans = new List<string>(DefaultSans);
        var hostName = options.HostName ?? Dns.GetHostName();
        // A host name that is not a valid DNS name (e.g. with '_') cannot go into a certificate; leave it out.
        if (!string.IsNullOrEmpty(hostName) && Uri.CheckHostName(hostName) == UriHostNameType.Dns)
        {
            sans.Add(hostName.ToLowerInvariant());
        }

        foreach (var extra in options.ExtraSans)
        {
            var trimmed = extra.Trim();
            if (trimmed.Length > 0)
            {
                sans.Add(IPAddress.TryParse(trimmed, out var ip) ? ip.ToString() : trimmed.ToLowerInvariant());
            }
        }

        return sans.Distinct(StringComparer.Ordinal).ToList();
    }

    private static bool SameSans(X509Certificate2 certificate, List<string> wanted)
    {
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var extension in certificate.Extensions)
        {
            if (extension is X509SubjectAlternativeNameExtension san)
            {
                foreach (var dns in san.EnumerateDnsNames())
                {
                    present.Add(dns.ToLowerInvariant());
                }

                foreach (var ip in san.EnumerateIPAddresses())
                {
                    present.Add(ip.ToString());
                }
            }
        }

        return present.SetEquals(wanted);
    }
}
