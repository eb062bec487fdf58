using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Core;

public sealed class ConfigMapStrategy : KindStrategy
{
    public override string Group => "";

    public override string Kind => "ConfigMap";

    protected override void ValidateObject(JsonObject obj, List<FieldError> errs)
    {
        var data = obj.Obj("data");
        var binary = obj.Obj("binaryData");
        DataMapValidation.ValidateKeys(data, "data", errs);
        DataMapValidation.ValidateKeys(binary, "binaryData", errs);
        if (data is not null && binary is not null)
        {
            foreach (var (key, _) in binary.Where(p => data.ContainsKey(p.Key)))
            {
                errs.Add(FieldError.Invalid($"binaryData[{key}]", key, "duplicate of key present in data"));
            }
        }

        var size = DataMapValidation.Utf8Size(data) + DataMapValidation.Base64Size(binary, "binaryData", errs);
        if (size > DataMapValidation.MaxSize)
        {
            errs.Add(FieldError.TooLong("", null, DataMapValidation.MaxSize));
        }
    }

    protected override void ValidateUpdate(JsonObject obj, JsonObject old, List<FieldError> errs) =>
        DataMapValidation.ValidateImmutable(obj, old, errs);
}
