using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds;

/// <summary>
/// What one built-in kind adds to the generic object rules: its defaults and its validation.
/// Objects are JSON trees as they arrive on the wire (apiVersion, kind, metadata, spec, status).
/// The API server has already checked metadata (name, namespace, labels, annotations) before it calls these.
/// </summary>
public interface IKindStrategy
{
    /// <summary>The API group ("" for core) and kind this strategy is for.</summary>
    string Group { get; }

    string Kind { get; }

    /// <summary>Fills in the defaults Kubernetes applies, in place (e.g. Deployment replicas 1, Pod restartPolicy Always).</summary>
    void Default(JsonObject obj);

    /// <summary>Validates a new object, or an update when <paramref name="old"/> is given (immutable fields, allowed transitions).</summary>
    IEnumerable<FieldError> Validate(JsonObject obj, JsonObject? old);

    /// <summary>Validates a write to the status subresource; by default nothing beyond the generic rules.</summary>
    IEnumerable<FieldError> ValidateStatus(JsonObject obj, JsonObject old) => [];

    /// <summary>Whether a create may set status (Nodes: the node agent registers with its status); otherwise the server clears it first.</summary>
    bool AllowsStatusOnCreate => false;

    /// <summary>Sets what the server owns on create (e.g. a new Pod's status.phase Pending, a Namespace's phase Active). Runs after status was cleared.</summary>
    void PrepareForCreate(JsonObject obj)
    {
    }

    /// <summary>
    /// Carries over, before validation of an update, what the server owns and a client may omit
    /// (e.g. a Service's allocated clusterIP and nodePorts, a Namespace's spec.finalizers). By default nothing.
    /// </summary>
    void PrepareForUpdate(JsonObject obj, JsonObject old)
    {
    }
}
