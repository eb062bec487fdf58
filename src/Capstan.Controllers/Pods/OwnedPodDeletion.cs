using System.Text.Json.Nodes;
using Capstan.Client.Dynamic;
using Capstan.Controllers.Events;
using Capstan.Controllers.Expectations;
using Capstan.Controllers.Resources;

namespace Capstan.Controllers.Pods;

/// <summary>How the ReplicaSet and DaemonSet controllers delete one of their pods.</summary>
internal static class OwnedPodDeletion
{
    /// <summary>
    /// Deletes <paramref name="pod"/> with a uid precondition and records SuccessfulDelete or FailedDelete on its owner. A
    /// pod already gone, or a delete that failed, will never show up as a deletion, so it is marked observed at once.
    /// Returns the failure, or null.
    /// </summary>
    public static async Task<Exception?> DeleteAsync(
        DynamicClient client,
        EventRecorder events,
        ControllerExpectations expectations,
        JsonObject owner,
        string ownerKey,
        JsonObject pod,
        Func<Exception, string> describe,
        CancellationToken ct)
    {
        try
        {
            if (await client.DeleteAsync(KnownResources.Pods, pod.GetNamespace(), pod.GetName(), new DeleteOptions { PreconditionUid = pod.GetUid() }, ct).ConfigureAwait(false))
            {
                events.Normal(owner, "SuccessfulDelete", $"Deleted pod: {pod.GetName()}");
            }
            else
            {
                expectations.DeletionObserved(ownerKey, pod.GetKey());
            }

            return null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            expectations.DeletionObserved(ownerKey, pod.GetKey());
            events.Warning(owner, "FailedDelete", $"Error deleting: {describe(ex)}");
            return ex;
        }
    }
}
