using System.Text.Json.Nodes;
using Capstan.Controllers.Volumes.Binding;

namespace Capstan.Controllers.Tests.Volumes;

public sealed class ClaimMatcherTests
{
    private static readonly IReadOnlyDictionary<string, string> NodeALabels = new Dictionary<string, string> { ["kubernetes.io/hostname"] = "a" };

    [Fact]
    public void FindBest_SeveralFit_PicksSmallestThatFits()
    {
        var claim = Claim("2Gi");
        var best = ClaimMatcher.FindBest(claim, [Volume("big", "10Gi"), Volume("small", "1Gi"), Volume("fit", "3Gi"), Volume("exact", "2Gi")], null, false);
        Assert.Equal("exact", Name(best));
    }

    [Theory]
    [InlineData("gold", "silver", null, false)]
    [InlineData("", "", null, true)]
    [InlineData("", "", "ReadWriteMany", false)]
    public void FindBest_ClassAndAccessModes_MustMatch(string claimClass, string volumeClass, string? claimMode, bool matches)
    {
        var claim = Claim("1Gi", claimClass, claimMode ?? "ReadWriteOnce");
        var best = ClaimMatcher.FindBest(claim, [Volume("v", "1Gi", volumeClass)], null, false);
        Assert.Equal(matches, best is not null);
    }

    [Fact]
    public void FindBest_VolumeBoundToOtherClaim_Skipped()
    {
        var volume = Volume("v", "1Gi");
        volume["spec"]!["claimRef"] = new JsonObject { ["namespace"] = "ns", ["name"] = "other", ["uid"] = "u2" };
        Assert.Null(ClaimMatcher.FindBest(Claim("1Gi"), [volume], null, false));
    }

    [Fact]
    public void FindBest_PreBoundVolume_WinsOverSmallerFree()
    {
        var prebound = Volume("mine", "5Gi");
        prebound["spec"]!["claimRef"] = new JsonObject { ["namespace"] = "ns", ["name"] = "c" };
        var best = ClaimMatcher.FindBest(Claim("1Gi"), [Volume("free", "1Gi"), prebound], null, false);
        Assert.Equal("mine", Name(best));
    }

    [Fact]
    public void FindBest_Selector_FiltersByVolumeLabels()
    {
        var claim = Claim("1Gi");
        claim["spec"]!["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["tier"] = "fast" } };
        var fast = Volume("fast", "5Gi");
        fast["metadata"]!["labels"] = new JsonObject { ["tier"] = "fast" };
        Assert.Equal("fast", Name(ClaimMatcher.FindBest(claim, [Volume("plain", "1Gi"), fast], null, false)));
    }

    [Fact]
    public void FindBest_DelayedWithoutNode_OnlyPreBound()
    {
        Assert.Null(ClaimMatcher.FindBest(Claim("1Gi"), [Volume("free", "1Gi")], null, delayBinding: true));
    }

    [Fact]
    public void FindBest_SelectedNode_HonoursVolumeNodeAffinity()
    {
        var onB = Volume("on-b", "1Gi");
        onB["spec"]!["nodeAffinity"] = Affinity("b");
        var onA = Volume("on-a", "2Gi");
        onA["spec"]!["nodeAffinity"] = Affinity("a");
        Assert.Equal("on-a", Name(ClaimMatcher.FindBest(Claim("1Gi"), [onB, onA], ("a", NodeALabels), delayBinding: true)));
    }

    [Theory]
    [InlineData("500Mi", "", null)]
    [InlineData("2Gi", "", "requested PV is too small")]
    [InlineData("500Mi", "gold", "storageClassName does not match")]
    public void Mismatch_NamedVolume_SaysWhy(string request, string claimClass, string? expected) =>
        Assert.Equal(expected, ClaimMatcher.Mismatch(Volume("v", "1Gi"), Claim(request, claimClass)));

    private static string? Name(JsonObject? obj) => obj?["metadata"]?["name"]?.GetValue<string>();

    private static JsonObject Claim(string size, string className = "", string mode = "ReadWriteOnce") => new()
    {
        ["metadata"] = new JsonObject { ["name"] = "c", ["namespace"] = "ns", ["uid"] = "u1" },
        ["spec"] = new JsonObject
        {
            ["accessModes"] = new JsonArray(mode),
            ["storageClassName"] = className,
            ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["storage"] = size } },
        },
    };

    private static JsonObject Volume(string name, string size, string className = "") => new()
    {
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = new JsonObject
        {
            ["accessModes"] = new JsonArray("ReadWriteOnce", "ReadOnlyMany"),
            ["storageClassName"] = className,
            ["capacity"] = new JsonObject { ["storage"] = size },
            ["hostPath"] = new JsonObject { ["path"] = "/tmp/" + name },
        },
        ["status"] = new JsonObject { ["phase"] = "Available" },
    };

    private static JsonObject Affinity(string node) => new()
    {
        ["required"] = new JsonObject
        {
            ["nodeSelectorTerms"] = new JsonArray(new JsonObject
            {
                ["matchExpressions"] = new JsonArray(new JsonObject { ["key"] = "kubernetes.io/hostname", ["operator"] = "In", ["values"] = new JsonArray(node) }),
            }),
        },
    };
}
