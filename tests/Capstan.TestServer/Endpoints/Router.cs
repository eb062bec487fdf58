using System.Globalization;
using System.Text;
using Capstan.TestServer.Http;
using Capstan.TestServer.Lifecycle;
using Capstan.TestServer.Load;

namespace Capstan.TestServer.Endpoints;

/// <summary>Maps each request to its endpoint; see <see cref="Cli.Usage"/> for the list.</summary>
internal sealed class Router(ServerIdentity identity, ProbeState probes, CpuBurner cpu, MemoryHog memory, Action<int> exit)
{
    public const int DefaultCpuSeconds = 30;

    public HttpResponse Handle(HttpRequest request)
    {
        var get = request.Method is "GET" or "HEAD";
        var post = request.Method == "POST";
        return request.Path switch
        {
            "/" or "/hostname" when get => HttpResponse.Ok(identity.Hostname),
            "/ip" when get => HttpResponse.Ok(identity.AddressFor(request.LocalEndPoint).ToString()),
            "/echo" when get || post => Echo(request),
            "/env" when get => Env(request),
            "/headers" when get => Headers(request),
            "/healthz" when get => probes.Healthy ? HttpResponse.Ok("ok") : new HttpResponse(500, "unhealthy"),
            "/healthz/fail" when post => SetHealthy(false),
            "/healthz/ok" when post => SetHealthy(true),
            "/readyz" when get => probes.Ready ? HttpResponse.Ok("ok") : new HttpResponse(503, "not ready"),
            "/readyz/fail" when post => SetReady(false),
            "/readyz/ok" when post => SetReady(true),
            "/exit" when post => Exit(request),
            "/cpu" when post => Cpu(request),
            "/memory" when post => Memory(request),
            "/stats" when get => Stats(),
            "/" or "/hostname" or "/ip" or "/echo" or "/env" or "/headers" or "/healthz" or "/healthz/fail" or "/healthz/ok"
                or "/readyz" or "/readyz/fail" or "/readyz/ok" or "/exit" or "/cpu" or "/memory" or "/stats"
                => HttpResponse.MethodNotAllowed(),
            _ => HttpResponse.NotFound(),
        };
    }

    private static HttpResponse Echo(HttpRequest request) =>
        HttpResponse.Ok(request.QueryParameter("msg") ?? Encoding.UTF8.GetString(request.Body));

    private static HttpResponse Env(HttpRequest request)
    {
        var name = request.QueryParameter("name");
        if (string.IsNullOrEmpty(name))
        {
            return HttpResponse.BadRequest("missing ?name=");
        }

        return Environment.GetEnvironmentVariable(name) is { } value ? HttpResponse.Ok(value) : HttpResponse.NotFound($"{name} is not set");
    }

    private static HttpResponse Headers(HttpRequest request)
    {
        var text = new StringBuilder();
        foreach (var (name, value) in request.Headers)
        {
            text.Append(name).Append(": ").Append(value).Append('\n');
        }

        return HttpResponse.Ok(text.ToString());
    }

    private HttpResponse SetHealthy(bool healthy)
    {
        probes.Healthy = healthy;
        ServerLog.Line($"health set to {(healthy ? "ok" : "unhealthy")}");
        return HttpResponse.Ok(healthy ? "ok" : "unhealthy");
    }

    private HttpResponse SetReady(bool ready)
    {
        probes.Ready = ready;
        ServerLog.Line($"readiness set to {(ready ? "ok" : "not ready")}");
        return HttpResponse.Ok(ready ? "ok" : "not ready");
    }

    private HttpResponse Exit(HttpRequest request)
    {
        if (!TryInt(request, "code", 0, 0, 255, out var code, out var error))
        {
            return error;
        }

        return HttpResponse.Ok($"exiting with {code}") with
        {
            AfterSent = () =>
            {
                ServerLog.Line($"exiting with {code} on request");
                exit(code);
            },
        };
    }

    private HttpResponse Cpu(HttpRequest request)
    {
        if (!TryInt(request, "millis", 1000, 1, 64_000, out var millicores, out var error)
            || !TryInt(request, "duration", DefaultCpuSeconds, 0, 24 * 3600, out var seconds, out error))
        {
            return error;
        }

        cpu.Start(millicores, TimeSpan.FromSeconds(seconds));
        return HttpResponse.Ok($"burning {millicores} millicores for {seconds}s");
    }

    private HttpResponse Memory(HttpRequest request)
    {
        if (!TryInt(request, "mb", null, 0, 1024 * 1024, out var mebibytes, out var error))
        {
            return error;
        }

        var held = memory.Allocate(mebibytes);
        return HttpResponse.Ok($"allocated {mebibytes} MiB, holding {held} MiB");
    }

    private HttpResponse Stats() =>
        new(200, string.Create(CultureInfo.InvariantCulture,
            $"{{\"pid\":{Environment.ProcessId},\"rssBytes\":{ProcessStats.ResidentBytes()},\"cpuSeconds\":{ProcessStats.CpuTime().TotalSeconds:0.###}," +
            $"\"heldMiB\":{memory.HeldMiB},\"burningMillicores\":{cpu.BurningMillicores},\"healthy\":{(probes.Healthy ? "true" : "false")}," +
            $"\"ready\":{(probes.Ready ? "true" : "false")}}}"), HttpResponse.Json);

    /// <summary>Reads an integer query parameter; <paramref name="fallback"/> null makes it required.</summary>
    private static bool TryInt(HttpRequest request, string name, int? fallback, int min, int max, out int value, out HttpResponse error)
    {
        error = HttpResponse.Ok("");
        var text = request.QueryParameter(name);
        if (text is null && fallback is { } f)
        {
            value = f;
            return true;
        }

        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value) && value >= min && value <= max)
        {
            return true;
        }

        error = HttpResponse.BadRequest($"?{name}= must be an integer from {min} to {max}");
        return false;
    }
}
