using System.Text.Json.Nodes;
using Capstan.Client.Cache;
using Capstan.Controllers.Endpoints;

namespace Capstan.Controllers.Tests.Endpoints;

public sealed class ServicePodEventsTests
{
    private static JsonObject Pod(string ns, string phase, string app = "web") => new()
    {
        ["metadata"] = new JsonObject { ["name"] = "p", ["namespace"] = ns, ["uid"] = "u", ["labels"] = new JsonObject { ["app"] = app } },
        ["spec"] = new JsonObject { ["nodeName"] = "n1" },
        ["status"] = new JsonObject { ["phase"] = phase },
    };

    private static JsonObject Service(string ns, string name) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
        ["spec"] = new JsonObject { ["selector"] = new JsonObject { ["app"] = "web" } },
    };

    [Fact]
    public void OnUpdate_ServiceInNamespace_Enqueued_NoneInNamespace_Skipped()
    {
        var services = new IndexedCache(serialized: true);
        services.Upsert(Service("a", "svc"));
        var queued = new List<string>();
        var handler = ServicePodEvents.Handler(services, queued.Add);

        handler.OnUpdate!(Pod("a", "Pending"), Pod("a", "Running"));
        handler.OnUpdate!(Pod("b", "Pending"), Pod("b", "Running"));
        Assert.Equal(["a/svc"], queued);

        // A Service created later in b is found by the next relevant update.
        services.Upsert(Service("b", "late"));
        handler.OnUpdate!(Pod("b", "Running"), Pod("b", "Succeeded"));
        Assert.Equal(["a/svc", "b/late"], queued);
    }

    [Fact]
    public void OnUpdate_LabelsChangedAwayFromSelector_OldServiceStillEnqueued()
    {
        var services = new IndexedCache(serialized: true);
        services.Upsert(Service("a", "svc"));
        var queued = new List<string>();

        ServicePodEvents.Handler(services, queued.Add).OnUpdate!(Pod("a", "Running"), Pod("a", "Running", app: "other"));

        Assert.Equal(["a/svc"], queued);
    }
}
