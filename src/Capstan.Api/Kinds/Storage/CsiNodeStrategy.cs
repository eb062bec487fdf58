using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Storage;

/// <summary>
/// CSINodes (storage.k8s.io/v1): the CSI drivers on a node, with the node's ID for each, its topology keys and how many
/// of its volumes the node can have attached. A driver's entry, once registered, is fixed.
/// </summary>
public sealed partial class CsiNodeStrategy : KindStrategy
{
    public const int MaxNodeIdLength = 192;
    public const int MaxDriverNameLength = 63;

    public override string Group => "storage.k8s.io";

    public override string Kind => "CSINode";

    protected override void ValidateObject(JsonObject obj, List<FieldError> errs)
    {
        if (obj.Obj("spec") is not { } spec)
        {
            errs.Add(FieldError.Required("spec"));
            return;
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (i, driver) in spec.Items("drivers"))
        {
            var path = $"spec.drivers[{i}]";
            var name = driver.StrOrEmpty("name");
            ValidateDriverName(name, path + ".name", errs);
            if (name.Length > 0 && !names.Add(name))
            {
                errs.Add(FieldError.Duplicate(path + ".name", name));
            }

            var nodeId = driver.StrOrEmpty("nodeID");
            if (nodeId.Length == 0)
            {
                errs.Add(FieldError.Required(path + ".nodeID"));
            }
            else if (nodeId.Length > MaxNodeIdLength)
            {
                errs.Add(FieldError.TooLong(path + ".nodeID", nodeId, MaxNodeIdLength));
            }

            if (driver["allocatable"]?["count"] is { } count && JsonAccess.AsLong(count) is not >= 0)
            {
                errs.Add(FieldError.Invalid(path + ".allocatable.count", count.ToJsonString(), "must be greater than or equal to 0"));
            }

            var keys = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (k, key) in driver.Strings("topologyKeys").Index())
            {
                var keyPath = $"{path}.topologyKeys[{k}]";
                errs.AddRange(NameFormats.IsQualifiedName(key).Select(m => FieldError.Invalid(keyPath, key, m)));
                if (!keys.Add(key))
                {
                    errs.Add(FieldError.Duplicate(keyPath, key));
                }
            }
        }
    }

    protected override void ValidateUpdate(JsonObject obj, JsonObject old, List<FieldError> errs)
    {
        var previous = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var (_, driver) in (old.Obj("spec") ?? []).Items("drivers"))
        {
            previous[driver.StrOrEmpty("name")] = driver;
        }

        foreach (var (i, driver) in (obj.Obj("spec") ?? []).Items("drivers"))
        {
            if (!previous.TryGetValue(driver.StrOrEmpty("name"), out var before))
            {
                continue;
            }

            foreach (var field in (string[])["nodeID", "topologyKeys", "allocatable"])
            {
                if (!JsonNode.DeepEquals(driver[field], before[field]))
                {
                    errs.Add(FieldError.Invalid($"spec.drivers[{i}].{field}", driver[field]?.ToJsonString(), "field is immutable"));
                }
            }
        }
    }

    private static void ValidateDriverName(string name, string path, List<FieldError> errs)
    {
        if (name.Length == 0)
        {
            errs.Add(FieldError.Required(path));
        }
        else if (name.Length > MaxDriverNameLength)
        {
            errs.Add(FieldError.TooLong(path, name, MaxDriverNameLength));
        }
        else if (!DriverName().IsMatch(name))
        {
            errs.Add(FieldError.Invalid(path, name, "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"));
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[a-zA-Z0-9][-a-zA-Z0-9_.]{0,61}[a-zA-Z0-9]$")]
    private static partial System.Text.RegularExpressions.Regex DriverName();
}
