using System.Text.Json.Nodes;
using Capstan.Client.Dynamic;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Capstan.Agent.Storage;

/// <summary>
/// The events an external provisioner writes on the claims it serves (Provisioning, ProvisioningSucceeded,
/// ProvisioningFailed), as `kubectl describe pvc` shows them, with the provisioner as source component.
/// </summary>
internal sealed class ProvisionerEvents(IKubernetes client, string component, TimeProvider time)
{
    public Task ProvisioningAsync(JsonObject claim, CancellationToken ct) =>
        WriteAsync(claim, "Normal", "Provisioning", $"External provisioner is provisioning volume for claim \"{claim.GetNamespace()}/{claim.GetName()}\"", ct);

    public Task SucceededAsync(JsonObject claim, string volumeName, CancellationToken ct) =>
        WriteAsync(claim, "Normal", "ProvisioningSucceeded", $"Successfully provisioned volume {volumeName}", ct);

    public Task FailedAsync(JsonObject claim, string storageClass, string error, CancellationToken ct) =>
        WriteAsync(claim, "Warning", "ProvisioningFailed", $"failed to provision volume with StorageClass \"{storageClass}\": {error}", ct);

    private async Task WriteAsync(JsonObject claim, string type, string reason, string message, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var ns = claim.GetNamespace();
        var ev = new Corev1Event
        {
            Metadata = new V1ObjectMeta { Name = $"{claim.GetName()}.{Guid.NewGuid().ToString("N")[..16]}", NamespaceProperty = ns },
            InvolvedObject = new V1ObjectReference
            {
                Kind = "PersistentVolumeClaim",
                ApiVersion = "v1",
                NamespaceProperty = ns,
                Name = claim.GetName(),
                Uid = claim.GetUid(),
                ResourceVersion = claim.GetResourceVersion(),
            },
            Type = type,
            Reason = reason,
            Message = message,
            Source = new V1EventSource { Component = component },
            ReportingComponent = component,
            FirstTimestamp = now,
            LastTimestamp = now,
            Count = 1,
        };
        try
        {
            await client.CoreV1.CreateNamespacedEventAsync(ev, ns, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpOperationException or HttpRequestException)
        {
            // Events are best effort: losing one must not fail the provisioning.
        }
    }
}
