using System.Text.Json.Nodes;

namespace Capstan.Controllers.EndpointSlice;

/// <summary>
/// The writes that bring a Service's slices to the desired endpoints: <see cref="Create"/> holds new slice bodies
/// (addressType, ports, endpoints only; metadata is the controller's), <see cref="Update"/> changed copies of existing
/// slices, <see cref="Delete"/> existing slices to remove, <see cref="Unchanged"/> the ones left as they are.
/// </summary>
internal sealed record SlicePlan(IReadOnlyList<JsonObject> Create, IReadOnlyList<JsonObject> Update, IReadOnlyList<JsonObject> Delete, IReadOnlyList<JsonObject> Unchanged);
