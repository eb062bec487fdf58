using System.Text.Json.Nodes;

namespace Capstan.Controllers.Tests.Endpoints;

/// <summary>Untyped Services and pods as the controllers' caches hold them.</summary>
internal static class ServiceObjects
{
    public static JsonObject Service(string name = "web", JsonArray? ports = null, bool headless = false, bool publishNotReady = false) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "ns", ["uid"] = "svc-uid", ["labels"] = new JsonObject { ["team"] = "a" } },
        ["spec"] = new JsonObject
        {
            ["selector"] = new JsonObject { ["app"] = name },
            ["clusterIP"] = headless ? "None" : "10.43.0.10",
            ["ports"] = ports ?? new JsonArray(new JsonObject { ["name"] = "http", ["port"] = 80, ["targetPort"] = 8080, ["protocol"] = "TCP" }),
            ["publishNotReadyAddresses"] = publishNotReady,
        },
    };

    public static JsonObject Pod(string name, string? ip, bool ready = true, bool deleting = false, string phase = "Running", JsonArray? containerPorts = null, string node = "n1")
    {
        var meta = new JsonObject { ["name"] = name, ["namespace"] = "ns", ["uid"] = "uid-" + name, ["labels"] = new JsonObject { ["app"] = "web" } };
        if (deleting)
        {
            meta["deletionTimestamp"] = "2026-01-01T00:00:10Z";
        }

        var status = new JsonObject
        {
            ["phase"] = phase,
            ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = ready ? "True" : "False", ["lastTransitionTime"] = "2026-01-01T00:00:05Z" }),
        };
        if (ip is not null)
        {
            status["podIP"] = ip;
        }

        return new JsonObject
        {
            ["metadata"] = meta,
            ["spec"] = new JsonObject
            {
                ["nodeName"] = node,
                ["containers"] = new JsonArray(new JsonObject { ["name"] = "c", ["ports"] = containerPorts ?? new JsonArray() }),
            },
            ["status"] = status,
        };
    }
}
