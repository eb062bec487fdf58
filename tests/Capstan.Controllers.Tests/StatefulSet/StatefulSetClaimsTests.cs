using System.Text.Json.Nodes;
using Capstan.Controllers.StatefulSet;

namespace Capstan.Controllers.Tests.StatefulSet;

public sealed class StatefulSetClaimsTests
{
    [Fact]
    public void Build_Template_NamedPerOrdinalWithSelectorLabels()
    {
        var claim = StatefulSetClaims.Build(Set(null), Template(), 2);
        Assert.Equal("data-db-2", claim["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal("db", claim["metadata"]!["labels"]!["app"]!.GetValue<string>());
        Assert.Equal("fast", claim["metadata"]!["labels"]!["tier"]!.GetValue<string>());
        Assert.Equal("1Gi", claim["spec"]!["resources"]!["requests"]!["storage"]!.GetValue<string>());
    }

    [Fact]
    public void MountInto_PodSpec_ReplacesTemplateVolumeWithClaim()
    {
        var spec = new JsonObject { ["volumes"] = new JsonArray(new JsonObject { ["name"] = "data", ["emptyDir"] = new JsonObject() }) };
        StatefulSetClaims.MountInto(spec, Set(null), 1);
        var volume = Assert.Single(spec["volumes"]!.AsArray())!;
        Assert.Equal("data-db-1", volume["persistentVolumeClaim"]!["claimName"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(null, null, 5, 3, 0)]
    [InlineData("Delete", null, 1, 3, 1)]
    [InlineData(null, "Delete", 1, 3, 0)]
    [InlineData(null, "Delete", 4, 3, 1)]
    [InlineData("Delete", "Delete", 4, 3, 2)]
    public void DesiredOwners_RetentionPolicy_SetAndCondemnedPod(string? whenDeleted, string? whenScaled, int ordinal, int replicas, int expectedRefs)
    {
        var policy = new JsonObject();
        if (whenDeleted is not null) policy["whenDeleted"] = whenDeleted;
        if (whenScaled is not null) policy["whenScaled"] = whenScaled;
        var set = Set(policy);
        var claim = StatefulSetClaims.Build(set, Template(), ordinal);
        var pod = new JsonObject { ["metadata"] = new JsonObject { ["name"] = $"db-{ordinal}", ["uid"] = "pod-uid" } };
        var owners = StatefulSetClaims.DesiredOwners(claim, set, pod, ordinal, replicas);
        Assert.Equal(expectedRefs, owners?.Count ?? 0);

        // Applying the answer is stable: nothing more to change.
        claim["metadata"]!["ownerReferences"] = owners?.DeepClone() ?? new JsonArray();
        Assert.Null(StatefulSetClaims.DesiredOwners(claim, set, pod, ordinal, replicas));
    }

    [Theory]
    [InlineData(4, 3, true)] // condemned, its pod gone: the collector has yet to act on the reference
    [InlineData(2, 3, false)] // back in range (a scale-up): the claim must not go with the old pod
    public void DesiredOwners_PodGone_KeepsTheReferenceOnlyWhileCondemned(int ordinal, int replicas, bool kept)
    {
        var set = Set(new JsonObject { ["whenScaled"] = "Delete" });
        var claim = StatefulSetClaims.Build(set, Template(), ordinal);
        claim["metadata"]!["ownerReferences"] = new JsonArray(new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Pod", ["name"] = $"db-{ordinal}", ["uid"] = "gone-pod-uid", ["controller"] = false, ["blockOwnerDeletion"] = true,
        });

        var owners = StatefulSetClaims.DesiredOwners(claim, set, null, ordinal, replicas);

        if (kept)
        {
            Assert.Null(owners);
        }
        else
        {
            Assert.Empty(owners!);
        }
    }

    private static JsonObject Template() => new()
    {
        ["metadata"] = new JsonObject { ["name"] = "data", ["labels"] = new JsonObject { ["tier"] = "fast" } },
        ["spec"] = new JsonObject
        {
            ["accessModes"] = new JsonArray("ReadWriteOnce"),
            ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["storage"] = "1Gi" } },
        },
    };

    private static JsonObject Set(JsonObject? retention)
    {
        var spec = new JsonObject
        {
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "db" } },
            ["volumeClaimTemplates"] = new JsonArray(Template()),
        };
        if (retention is not null)
        {
            spec["persistentVolumeClaimRetentionPolicy"] = retention;
        }

        return new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "StatefulSet",
            ["metadata"] = new JsonObject { ["name"] = "db", ["namespace"] = "ns", ["uid"] = "set-uid" },
            ["spec"] = spec,
        };
    }
}
