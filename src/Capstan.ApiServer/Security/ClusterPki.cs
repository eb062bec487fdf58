using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Capstan.ApiServer.Security;

/// <summary>
/// The cluster's certificates and join token, kept in the data dir. The first start creates them; later starts reuse
/// them, and <see cref="Refresh"/> (called at load, then periodically by <see cref="CertificateRotator"/>) renews leaf
/// certificates while the server runs. Renewal policy: a leaf is reissued once less than a third of the configured validity
/// (<see cref="PkiOptions.LeafValidity"/>, 1 year: about 122 days) remains, when it no longer chains to the CA, or when its
/// SANs differ from the wanted ones; the CA itself is never renewed. Files another process wrote (<c>capstan certificate rotate</c>)
/// are adopted by the next <see cref="Refresh"/>.
/// <list type="bullet">
/// <item><c>ca.crt</c>/<c>ca.key</c>: self-signed ECDSA P-256 CA, 10 years. Recreated only when missing, unreadable or expired
/// (which invalidates every certificate and token it stood behind).</item>
/// <item><c>server.crt</c>/<c>server.key</c>: serving certificate, 1 year; served through <see cref="ServingCertificate"/>, which
/// always returns the current one, so a renewal takes effect on the next TLS handshake.</item>
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
    public static readonly TimeSpan DefaultLeafValidity = TimeSpan.FromDays(365);

    /// <summary>Names every serving certificate carries besides the host name and the extra SANs.</summary>
    public static readonly IReadOnlyList<string> DefaultSans =
    [
        "127.0.0.1", "::1", "localhost",
        "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local",
    ];

    private readonly CertificateAuthority _authority;
    private readonly TimeProvider _timeProvider;
    private readonly PkiOptions _options;
    private readonly List<string> _wantedSans;
    private readonly Lock _refreshLock = new();

    // Replaced whole by Refresh; readers (TLS handshakes, kubeconfig renderers) take whichever is current. Replaced
    // certificates are not disposed: a handshake may still hold one, and a few per year are left to the finalizer.
    private X509Certificate2 _serving;
    private X509Certificate2 _admin;
    private X509Certificate2 _kubeletClient;
    private string _kubeconfigYaml = "";

    private ClusterPki(
        string dataDirectory,
        CertificateAuthority authority,
        X509Certificate2 servingCertificate,
        X509Certificate2 adminCertificate,
        X509Certificate2 kubeletClientCertificate,
        string joinToken,
        string serverUrl,
        ECDsa serviceAccountSigningKey,
        PkiOptions options,
        List<string> wantedSans)
    {
        ServiceAccountSigningKey = serviceAccountSigningKey;
        DataDirectory = dataDirectory;
        _authority = authority;
        _serving = CertificateUsages.Decoded(servingCertificate);
        _admin = CertificateUsages.Decoded(adminCertificate);
        _kubeletClient = CertificateUsages.Decoded(kubeletClientCertificate);
        JoinToken = joinToken;
        ServerUrl = serverUrl;
        _options = options;
        _timeProvider = options.TimeProvider;
        _wantedSans = wantedSans;
    }

    public string DataDirectory { get; }

    /// <summary>The CA certificate (public part only): the trust root for clients and for client-certificate authentication.</summary>
    public X509Certificate2 CaCertificate => _authority.Certificate;

    public string CaCertificatePem => _authority.Certificate.ExportCertificatePem();

    /// <summary>
    /// The current serving certificate WITH its private key. Read it per handshake (Kestrel's <c>ServerCertificateSelector</c>)
    /// rather than once, so that renewals take effect without a restart.
    /// </summary>
    public X509Certificate2 ServingCertificate => Volatile.Read(ref _serving);

    /// <summary>The current admin client certificate WITH its private key (CN=system:admin, O=system:masters).</summary>
    public X509Certificate2 AdminCertificate => Volatile.Read(ref _admin);

    /// <summary>The certificate the API server presents to node agents, WITH its private key (CN=capstan:apiserver, O=system:masters).</summary>
    public X509Certificate2 KubeletClientCertificate => Volatile.Read(ref _kubeletClient);

    /// <summary>How long newly issued leaf certificates are valid (<see cref="PkiOptions.LeafValidity"/>).</summary>
    public TimeSpan LeafValidity => _options.LeafValidity;

    /// <summary>A leaf with less than this left (a third of <see cref="LeafValidity"/>) is renewed.</summary>
    public TimeSpan RenewBefore => _options.LeafValidity / 3;

    public TimeProvider TimeProvider => _timeProvider;

    public string JoinToken { get; }

    /// <summary>The key <see cref="ServiceAccountTokenIssuer"/> signs with and <see cref="ServiceAccountTokenValidator"/> verifies with.</summary>
    public ECDsa ServiceAccountSigningKey { get; }

    /// <summary>The admin kubeconfig as last written to <see cref="KubeconfigPath"/>.</summary>
    public string KubeconfigYaml => Volatile.Read(ref _kubeconfigYaml);

    public string KubeconfigPath => Path.Combine(DataDirectory, KubeconfigFile);

    /// <summary><c>https://127.0.0.1:&lt;port&gt;</c>, as written into the kubeconfig.</summary>
    public string ServerUrl { get; }

    /// <summary>True when this call created a new CA (first start, or the old one was missing or expired).</summary>
    public bool CreatedCa { get; private init; }

    /// <summary>True when loading (re)issued the serving certificate.</summary>
    public bool IssuedServingCertificate { get; private set; }

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

        ArgumentOutOfRangeException.ThrowIfLessThan(options.LeafValidity, TimeSpan.FromSeconds(3), nameof(options));
        var wantedSans = WantedSans(options);

        // Whatever is on disk (or a fresh certificate when nothing readable is); Refresh below renews what is due.
        X509Certificate2 LoadOrIssue(string certificateFile, string keyFile, Func<X509Certificate2> issue, out bool issued)
        {
            var loaded = PemFiles.TryLoadWithKey(PathOf(certificateFile), PathOf(keyFile));
            issued = loaded is null;
            if (loaded is not null)
            {
                return loaded;
            }

            var certificate = issue();
            PemFiles.Write(PathOf(certificateFile), PathOf(keyFile), certificate);
            return certificate;
        }

        var serving = LoadOrIssue(ServingCertificateFile, ServingKeyFile, () => authority.IssueServing(ServingCommonName, wantedSans, now, options.LeafValidity), out var issuedServing);
        var admin = LoadOrIssue(AdminCertificateFile, AdminKeyFile, () => authority.IssueClient(SystemUsers.Admin, [SystemGroups.Masters], now, options.LeafValidity), out _);
        var kubeletClient = LoadOrIssue(KubeletClientCertificateFile, KubeletClientKeyFile, () => authority.IssueClient(KubeletClientUser, [SystemGroups.Masters], now, options.LeafValidity), out _);
        var token = LoadOrCreateToken(PathOf(TokenFile), authority.Certificate);
        var serverUrl = "https://127.0.0.1:" + options.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var serviceAccountKey = LoadOrCreateKey(PathOf(ServiceAccountKeyFile));

        var pki = new ClusterPki(dataDir, authority, serving, admin, kubeletClient, token, serverUrl, serviceAccountKey, options, wantedSans)
        {
            CreatedCa = createdCa,
        };
        var renewed = pki.Refresh();
        pki.IssuedServingCertificate = issuedServing || renewed.Contains(ServingCertificateFile);
        foreach (var keyFile in new[] { ServingKeyFile, AdminKeyFile, KubeletClientKeyFile })
        {
            PemFiles.EnsureMode(PathOf(keyFile), PemFiles.Secret);
        }

        return pki;
    }

    /// <summary>
    /// Brings the leaf certificates up to date: adopts newer valid ones another process wrote to the data dir, reissues
    /// those due for renewal (all of them when <paramref name="force"/>), and rewrites kubeconfig.yaml when the admin
    /// certificate changed. Safe to call at any time from any thread.
    /// </summary>
    /// <returns>The certificate files whose certificate changed (e.g. <see cref="ServingCertificateFile"/>).</returns>
    public IReadOnlyList<string> Refresh(bool force = false)
    {
        lock (_refreshLock)
        {
            var now = _timeProvider.GetUtcNow();
            var changed = new List<string>();
            var serving = RefreshLeaf(ServingCertificateFile, ServingKeyFile, _serving, now, force, c => SameSans(c, _wantedSans),
                () => _authority.IssueServing(ServingCommonName, _wantedSans, now, _options.LeafValidity), changed);
            var admin = RefreshLeaf(AdminCertificateFile, AdminKeyFile, _admin, now, force, _ => true,
                () => _authority.IssueClient(SystemUsers.Admin, [SystemGroups.Masters], now, _options.LeafValidity), changed);
            var kubeletClient = RefreshLeaf(KubeletClientCertificateFile, KubeletClientKeyFile, _kubeletClient, now, force, _ => true,
                () => _authority.IssueClient(KubeletClientUser, [SystemGroups.Masters], now, _options.LeafValidity), changed);
            Volatile.Write(ref _serving, CertificateUsages.Decoded(serving));
            Volatile.Write(ref _admin, CertificateUsages.Decoded(admin));
            Volatile.Write(ref _kubeletClient, CertificateUsages.Decoded(kubeletClient));

            var kubeconfig = Kubeconfig.Render(ServerUrl, _authority.Certificate, admin);
            var kubeconfigPath = KubeconfigPath;
            if (!File.Exists(kubeconfigPath) || File.ReadAllText(kubeconfigPath) != kubeconfig)
            {
                PemFiles.WriteAtomically(kubeconfigPath, kubeconfig, PemFiles.Secret);
            }
            else
            {
                PemFiles.EnsureMode(kubeconfigPath, PemFiles.Secret);
            }

            Volatile.Write(ref _kubeconfigYaml, kubeconfig);
            return changed;
        }
    }

    /// <summary>
    /// <c>capstan certificate rotate</c>: reissues the serving, admin and apiserver-kubelet-client certificates in
    /// <paramref name="dataDir"/> now, keeping the CA, the serving certificate's SANs and the kubeconfig's server URL. A
    /// running server adopts the new files at its next <see cref="Refresh"/>.
    /// </summary>
    /// <exception cref="FileNotFoundException">The data dir has no CA (no server ever started there).</exception>
    public static IReadOnlyList<string> RotateInDataDirectory(string dataDir, TimeSpan? validity = null, TimeProvider? timeProvider = null)
    {
        var caPath = Path.Combine(dataDir, CaCertificateFile);
        if (!File.Exists(caPath) || !File.Exists(Path.Combine(dataDir, CaKeyFile)))
        {
            throw new FileNotFoundException($"{caPath} or its key does not exist: no cluster PKI in this data dir", caPath);
        }

        var options = new PkiOptions
        {
            Port = PortOfKubeconfig(Path.Combine(dataDir, KubeconfigFile)) ?? 6443,
            ExtraSans = SansOf(Path.Combine(dataDir, ServingCertificateFile)),
            HostName = "", // the SANs above already hold the host name the server put in
            LeafValidity = validity ?? DefaultLeafValidity,
            TimeProvider = timeProvider ?? TimeProvider.System,
        };
        using var pki = LoadOrCreate(dataDir, options);
        return pki.Refresh(force: true);
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

    private const string ServingCommonName = "capstan-apiserver";

    private bool NeedsRenewal(X509Certificate2 certificate, DateTimeOffset now)
    {
        if (!_authority.Signed(certificate, now))
        {
            return true;
        }

        // New leaves are capped at the CA's expiry: one that already lasts as long as the CA gains nothing from a reissue.
        var notAfter = certificate.NotAfter.ToUniversalTime();
        return notAfter - now.UtcDateTime < RenewBefore && notAfter < _authority.Certificate.NotAfter.ToUniversalTime();
    }

    private X509Certificate2 RefreshLeaf(
        string certificateFile, string keyFile, X509Certificate2 current, DateTimeOffset now, bool force,
        Func<X509Certificate2, bool> fits, Func<X509Certificate2> issue, List<string> changed)
    {
        var candidate = current;
        if (!force)
        {
            // Another process (capstan certificate rotate) may have written a newer one. A half-written pair (new key, old
            // certificate) does not load; it is simply tried again at the next refresh.
            var onDisk = PemFiles.TryLoadWithKey(Path.Combine(DataDirectory, certificateFile), Path.Combine(DataDirectory, keyFile));
            if (onDisk is not null && onDisk.Thumbprint != current.Thumbprint && fits(onDisk) && !NeedsRenewal(onDisk, now))
            {
                candidate = onDisk;
            }
            else
            {
                onDisk?.Dispose();
            }
        }

        if (force || NeedsRenewal(candidate, now) || !fits(candidate))
        {
            var issued = issue();
            PemFiles.Write(Path.Combine(DataDirectory, certificateFile), Path.Combine(DataDirectory, keyFile), issued);
            changed.Add(certificateFile);
            return issued;
        }

        if (!ReferenceEquals(candidate, current))
        {
            changed.Add(certificateFile);
        }

        return candidate;
    }

    private static int? PortOfKubeconfig(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        foreach (var line in File.ReadLines(path))
        {
            var trimmed = line.Trim();
            if (trimmed.StartsWith("server:", StringComparison.Ordinal)
                && Uri.TryCreate(trimmed["server:".Length..].Trim().Trim('"'), UriKind.Absolute, out var uri))
            {
                return uri.Port;
            }
        }

        return null;
    }

    private static List<string> SansOf(string certificatePath)
    {
        var sans = new List<string>();
        if (!File.Exists(certificatePath))
        {
            return sans;
        }

        using var certificate = X509CertificateLoader.LoadCertificateFromFile(certificatePath);
        foreach (var san in certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>())
        {
            sans.AddRange(san.EnumerateDnsNames());
            sans.AddRange(san.EnumerateIPAddresses().Select(ip => ip.ToString()));
        }

        return sans;
    }

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
