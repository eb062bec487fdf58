using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Capstan.Api.Kinds.Certificates;
using Capstan.Client.Dynamic;
using Capstan.Client.Informers;
using Capstan.Client.Reconciling;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Capstan.Controllers.Certificates;

/// <summary>
/// Kubernetes' csrsigning controller for the <c>kubernetes.io/kube-apiserver-client</c> and
/// <c>kubernetes.io/kube-apiserver-client-kubelet</c> signers: an Approved (not Denied, not Failed) request without a
/// certificate gets one from the cluster CA in <c>status.certificate</c>, valid for <c>spec.expirationSeconds</c> (at most
/// <see cref="ClusterSigner.DefaultDuration"/>); a request the signer may not issue gets the Failed condition
/// (reason <c>SignerValidationFailure</c>) instead. Requests for other signers are left to their own signers.
/// </summary>
public sealed partial class CertificateSigningController : Controller
{
    public const string FailureReason = "SignerValidationFailure";

    private static readonly ApiResource Requests = new("certificates.k8s.io", "v1", "certificatesigningrequests", "CertificateSigningRequest", false, ["get", "list", "watch", "update"]);

    private readonly IKubernetes _kube;
    private readonly ClusterSigner _signer;
    private readonly DynamicInformer _requests;
    private readonly TimeProvider _time;
    private readonly TimeSpan _maxDuration;
    private readonly ILogger _logger;

    public CertificateSigningController(SharedInformerFactory informers, ClusterSigner signer, ILoggerFactory loggerFactory, int workers = 1, TimeProvider? time = null, TimeSpan? maxDuration = null)
        : base("csrsigning", workers, loggerFactory.CreateLogger<CertificateSigningController>(), time)
    {
        ArgumentNullException.ThrowIfNull(signer);
        _kube = informers.Client.Kubernetes;
        _logger = loggerFactory.CreateLogger<CertificateSigningController>();
        _signer = signer;
        _time = time ?? TimeProvider.System;
        _maxDuration = maxDuration ?? ClusterSigner.DefaultDuration;
        _requests = informers.For(Requests);
        _requests.AddEventHandler(new ResourceEventHandler
        {
            OnAdd = csr => Queue.Add(csr.GetKey()),
            OnUpdate = (_, csr) => Queue.Add(csr.GetKey()),
        });
    }

    protected override IReadOnlyCollection<DynamicInformer> Informers => [_requests];

    protected override async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken ct)
    {
        var csr = _requests.Cache.Get(key);
        if (csr is null || !Pending(csr))
        {
            return ReconcileResult.Done;
        }

        var spec = csr["spec"] as JsonObject ?? new JsonObject();
        var request = CertificateSigningRequestStrategy.ParseRequest(spec["request"]?.GetValue<string>(), out var parseError);
        var usages = (spec["usages"] as JsonArray ?? []).Select(u => u?.GetValue<string>() ?? "").ToList();
        var failure = request is null ? parseError : SignerRules.Check(spec["signerName"]?.GetValue<string>() ?? "", request.SubjectName, usages);
        var typed = KubernetesJson.Deserialize<V1CertificateSigningRequest>(csr.ToJsonString());
        typed.Status ??= new V1CertificateSigningRequestStatus();
        var now = _time.GetUtcNow();
        if (failure is not null)
        {
            typed.Status.Conditions ??= [];
            typed.Status.Conditions.Add(new V1CertificateSigningRequestCondition
            {
                Type = CertificateConditions.Failed,
                Status = "True",
                Reason = FailureReason,
                Message = failure,
                LastUpdateTime = now.UtcDateTime,
                LastTransitionTime = now.UtcDateTime,
            });
            LogFailed(typed.Metadata.Name, failure);
        }
        else
        {
            var duration = spec["expirationSeconds"]?.GetValue<long>() is { } seconds ? TimeSpan.FromSeconds(seconds) : _maxDuration;
            if (duration > _maxDuration)
            {
                duration = _maxDuration;
            }

            using var certificate = _signer.Sign(request!, usages, duration, now);
            typed.Status.Certificate = Encoding.ASCII.GetBytes(certificate.ExportCertificatePem() + "\n");
            LogIssued(typed.Metadata.Name, certificate.Subject, certificate.NotAfter.ToUniversalTime());
        }

        try
        {
            await _kube.CertificatesV1.ReplaceCertificateSigningRequestStatusAsync(typed, typed.Metadata.Name, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.NotFound)
        {
            // Deleted meanwhile.
        }

        return ReconcileResult.Done;
    }

    private static bool Pending(JsonObject csr) =>
        CertificateConditions.Has(csr, CertificateConditions.Approved)
        && !CertificateConditions.Has(csr, CertificateConditions.Denied)
        && !CertificateConditions.Has(csr, CertificateConditions.Failed)
        && csr["status"]?["certificate"] is null
        && SignerRules.Handled.Contains(csr["spec"]?["signerName"]?.GetValue<string>() ?? "");

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "issued a certificate for CertificateSigningRequest {Name}: {Subject}, valid until {NotAfter:O}")]
    private partial void LogIssued(string name, string subject, DateTime notAfter);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "CertificateSigningRequest {Name} failed: {Reason}")]
    private partial void LogFailed(string name, string reason);
}
