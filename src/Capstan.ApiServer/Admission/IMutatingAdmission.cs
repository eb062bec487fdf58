using System.Text.Json.Nodes;
using Capstan.Api.Registry;

namespace Capstan.ApiServer.Admission;

/// <summary>A mutating admission step on create, run after defaulting and before validation (Kubernetes' admission chain).</summary>
public interface IMutatingAdmission
{
    string Name { get; }

    void AdmitCreate(ResourceInfo resource, JsonObject obj);
}
