using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Core;

/// <summary>Secrets: stringData folded into data (as Kubernetes' conversion does), type Opaque by default, type-specific required keys.</summary>
public sealed class SecretStrategy : KindStrategy
{
    public override string Group => "";

    public override string Kind => "Secret";

    public override void Default(JsonObject obj)
    {
        obj.SetDefaultString("type", "Opaque");
        if (obj.Obj("stringData") is { } stringData)
        {
            var data = obj.EnsureObj("data");
            foreach (var (key, node) in stringData)
            {
                data[key] = Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonAccess.AsString(node) ?? ""));
            }

            obj.Remove("stringData");
        }
    }

    protected override void ValidateObject(JsonObject obj, List<FieldError> errs)
    {
        var data = obj.Obj("data");
        DataMapValidation.ValidateKeys(data, "data", errs);
        if (DataMapValidation.Base64Size(data, "data", errs) > DataMapValidation.MaxSize)
        {
            errs.Add(FieldError.TooLong("data", null, DataMapValidation.MaxSize));
        }

        bool HasKey(string key) => data?.ContainsKey(key) == true;
        switch (obj.StrOrEmpty("type"))
        {
            case "kubernetes.io/service-account-token":
                if (obj.Obj("metadata")?.Obj("annotations")?.Str("kubernetes.io/service-account.name") is not { Length: > 0 })
                {
                    errs.Add(FieldError.Required("metadata.annotations[kubernetes.io/service-account.name]"));
                }

                break;
            case "kubernetes.io/dockercfg":
                RequireJson(data, ".dockercfg", errs);
                break;
            case "kubernetes.io/dockerconfigjson":
                RequireJson(data, ".dockerconfigjson", errs);
                break;
            case "kubernetes.io/basic-auth":
                if (!HasKey("username") && !HasKey("password"))
                {
                    errs.Add(FieldError.Required("data[username]"));
                    errs.Add(FieldError.Required("data[password]"));
                }

                break;
            case "kubernetes.io/ssh-auth":
                if (!HasKey("ssh-privatekey"))
                {
                    errs.Add(FieldError.Required("data[ssh-privatekey]"));
                }

                break;
            case "kubernetes.io/tls":
                if (!HasKey("tls.crt"))
                {
                    errs.Add(FieldError.Required("data[tls.crt]"));
                }

                if (!HasKey("tls.key"))
                {
                    errs.Add(FieldError.Required("data[tls.key]"));
                }

                break;
        }
    }

    private static void RequireJson(JsonObject? data, string key, List<FieldError> errs)
    {
        if (data?[key] is not { } node)
        {
            errs.Add(FieldError.Required($"data[{key}]"));
            return;
        }

        try
        {
            var bytes = Convert.FromBase64String(JsonAccess.AsString(node) ?? "");
            using var _ = JsonDocument.Parse(bytes);
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            errs.Add(FieldError.Invalid($"data[{key}]", "<secret contents redacted>", e.Message));
        }
    }

    protected override void ValidateUpdate(JsonObject obj, JsonObject old, List<FieldError> errs)
    {
        errs.AddRange(FieldRules.Immutable(obj, old, "type", "type"));
        DataMapValidation.ValidateImmutable(obj, old, errs);
    }
}
