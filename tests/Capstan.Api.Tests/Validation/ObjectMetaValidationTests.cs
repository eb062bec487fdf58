using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Api.Tests.Validation;

public sealed class ObjectMetaValidationTests
{
    private static JsonObject Obj(string json) => JsonNode.Parse(json)!.AsObject();

    [Theory]
    [InlineData("", "Namespace", NameRule.Dns1123Label)]
    [InlineData("", "Service", NameRule.Dns1035Label)]
    [InlineData("", "Pod", NameRule.Dns1123Subdomain)]
    [InlineData("apps", "Deployment", NameRule.Dns1123Subdomain)]
    [InlineData("apps", "StatefulSet", NameRule.Dns1123Label)]
    [InlineData("rbac.authorization.k8s.io", "ClusterRole", NameRule.PathSegment)]
    [InlineData("rbac.authorization.k8s.io", "RoleBinding", NameRule.PathSegment)]
    public void NameRuleFor_Kind_UsesKubernetesRule(string group, string kind, NameRule expected) =>
        Assert.Equal(expected, ObjectMetaValidation.NameRuleFor(group, kind));

    [Theory]
    [InlineData("", "Pod", "my.pod", true)]
    [InlineData("", "Namespace", "my.ns", false)]
    [InlineData("", "Service", "1svc", false)]
    [InlineData("", "Pod", "1pod", true)]
    [InlineData("rbac.authorization.k8s.io", "ClusterRole", "system:controller:x", true)]
    [InlineData("", "Pod", "system:x", false)]
    public void NameValidatorFor_Names(string group, string kind, string name, bool valid) =>
        Assert.Equal(valid, !ObjectMetaValidation.NameValidatorFor(group, kind)(name).Any());

    [Fact]
    public void Validate_NoNameOrGenerateName_Required()
    {
        var err = Assert.Single(ObjectMetaValidation.Validate(Obj("""{"metadata":{"namespace":"default"}}"""), "", "Pod"));
        Assert.Equal("metadata.name", err.Field);
        Assert.Equal("FieldValueRequired", err.Reason);
        Assert.Equal("metadata.name: Required value: name or generateName is required", err.ToString());
    }

    [Fact]
    public void Validate_GenerateNameWithTrailingDash_Valid() =>
        Assert.Empty(ObjectMetaValidation.Validate(Obj("""{"metadata":{"generateName":"web-","namespace":"default"}}"""), "", "Pod"));

    [Fact]
    public void Validate_NamespacedKindWithoutNamespace_Required()
    {
        var err = Assert.Single(ObjectMetaValidation.Validate(Obj("""{"metadata":{"name":"x"}}"""), "", "ConfigMap"));
        Assert.Equal(("metadata.namespace", "FieldValueRequired"), (err.Field, err.Reason));
    }

    [Fact]
    public void Validate_ClusterKindWithNamespace_Forbidden()
    {
        var err = Assert.Single(ObjectMetaValidation.Validate(Obj("""{"metadata":{"name":"x","namespace":"a"}}"""), "", "Node"));
        Assert.Equal(("metadata.namespace", "FieldValueForbidden"), (err.Field, err.Reason));
    }

    [Fact]
    public void Validate_BadLabels_InvalidOnLabelsPath()
    {
        var errs = ObjectMetaValidation.Validate(Obj("""{"metadata":{"name":"x","namespace":"a","labels":{"-bad":"ok","good":"-bad"}}}"""), "", "Pod").ToList();
        Assert.Equal(2, errs.Count);
        Assert.All(errs, e => Assert.Equal(("metadata.labels", "FieldValueInvalid"), (e.Field, e.Reason)));
        Assert.Equal("-bad", errs[0].Value);
    }

    [Fact]
    public void Validate_AnnotationsTooLarge_TooLong()
    {
        var obj = Obj("""{"metadata":{"name":"x","namespace":"a"}}""");
        obj["metadata"]!["annotations"] = new JsonObject { ["a"] = new string('x', 256 * 1024) };
        var err = Assert.Single(ObjectMetaValidation.Validate(obj, "", "Pod"));
        Assert.Equal(("metadata.annotations", "FieldValueTooLong"), (err.Field, err.Reason));
    }

    [Fact]
    public void Validate_OwnerReferenceWithoutUid_Invalid()
    {
        var errs = ObjectMetaValidation.Validate(Obj("""{"metadata":{"name":"x","namespace":"a","ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs"}]}}"""), "", "Pod");
        var err = Assert.Single(errs);
        Assert.Equal("metadata.ownerReferences.uid", err.Field);
    }

    [Fact]
    public void Validate_TwoControllers_Invalid()
    {
        var errs = ObjectMetaValidation.Validate(Obj("""
            {"metadata":{"name":"x","namespace":"a","ownerReferences":[
              {"apiVersion":"apps/v1","kind":"ReplicaSet","name":"a","uid":"1","controller":true},
              {"apiVersion":"apps/v1","kind":"ReplicaSet","name":"b","uid":"2","controller":true}]}}
            """), "", "Pod");
        Assert.Contains("Only one reference can have Controller set to true", Assert.Single(errs).Detail);
    }

    [Fact]
    public void Validate_BadFinalizer_Invalid()
    {
        var err = Assert.Single(ObjectMetaValidation.Validate(Obj("""{"metadata":{"name":"x","namespace":"a","finalizers":["a/b/c"]}}"""), "", "Pod"));
        Assert.Equal("metadata.finalizers", err.Field);
    }

    [Fact]
    public void ValidateUpdate_NameChanged_Immutable()
    {
        var errs = ObjectMetaValidation.ValidateUpdate(Obj("""{"metadata":{"name":"y","namespace":"a"}}"""), Obj("""{"metadata":{"name":"x","namespace":"a"}}"""), "", "Pod");
        var err = Assert.Single(errs);
        Assert.Equal("metadata.name: Invalid value: \"y\": field is immutable", err.ToString());
    }

    [Fact]
    public void Validate_ServiceNameStartingWithDigit_Dns1035Message()
    {
        var err = Assert.Single(ObjectMetaValidation.Validate(Obj("""{"metadata":{"name":"1web","namespace":"a"}}"""), "", "Service"));
        Assert.Equal(
            "metadata.name: Invalid value: \"1web\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
            err.ToString());
    }

    [Fact]
    public void Validate_BadGenerateName_InvalidOnGenerateName()
    {
        var err = Assert.Single(ObjectMetaValidation.Validate(Obj("""{"metadata":{"generateName":"Web_","namespace":"a"}}"""), "", "Pod"));
        Assert.Equal(("metadata.generateName", "FieldValueInvalid"), (err.Field, err.Reason));
    }

    [Fact]
    public void Validate_RbacNameWithColon_Valid() =>
        Assert.Empty(ObjectMetaValidation.Validate(Obj("""{"metadata":{"name":"system:node-reader"}}"""), "rbac.authorization.k8s.io", "ClusterRole"));

    [Fact]
    public void Validate_NegativeGeneration_Invalid() =>
        Assert.Equal("metadata.generation", Assert.Single(ObjectMetaValidation.Validate(Obj("""{"metadata":{"name":"x","namespace":"a","generation":-1}}"""), "", "Pod")).Field);

    [Fact]
    public void ValidateUpdate_NewFinalizerWhileDeleting_Forbidden()
    {
        var old = Obj("""{"metadata":{"name":"x","namespace":"a","deletionTimestamp":"2026-01-01T00:00:00Z","finalizers":["a.io/x"]}}""");
        var obj = Obj("""{"metadata":{"name":"x","namespace":"a","deletionTimestamp":"2026-01-01T00:00:00Z","finalizers":["a.io/x","b.io/y"]}}""");
        Assert.Equal(("metadata.finalizers", "FieldValueForbidden"), (Assert.Single(ObjectMetaValidation.ValidateUpdate(obj, old, "", "Pod")).Field, "FieldValueForbidden"));
    }

    [Theory]
    [InlineData("example.com/cleanup", 0)]
    [InlineData("foregroundDeletion", 0)]
    [InlineData("cleanup", 1)]
    public void Validate_FinalizerNames(string finalizer, int errors) =>
        Assert.Equal(errors, ObjectMetaValidation.Validate(Obj("""{"metadata":{"name":"x","namespace":"a","finalizers":[""" + $"\"{finalizer}\"" + "]}}"), "", "Pod").Count());
}
