using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Capstan.TestServer.Tests.Infrastructure;

namespace Capstan.TestServer.Tests.Binary;

/// <summary>grpc.health.v1.Health/Check of the real binary, called by .NET's own HTTP/2 client as a gRPC client would.</summary>
public sealed class GrpcHealthTests
{
    [Fact]
    public async Task Check_HealthAndReadinessFlipped_AnswersServingStatus()
    {
        await using var server = await TestServerProcess.ServeAsync("--grpc-port", "0");
        var line = await server.WaitForLineAsync(l => l.StartsWith("grpc listening on ", StringComparison.Ordinal));
        var grpc = IPEndPoint.Parse(line["grpc listening on ".Length..]);
        using var http = server.CreateClient();
        using var client = new HttpClient { BaseAddress = new Uri($"http://{grpc}/"), Timeout = TestServerProcess.Timeout };

        Assert.Equal(("0", 1), await CheckAsync(client, ""));
        Assert.Equal(("0", 1), await CheckAsync(client, "readiness"));
        Assert.Equal(("5", -1), await CheckAsync(client, "no-such-service"));

        (await http.PostAsync("/healthz/fail", null)).Dispose();
        (await http.PostAsync("/readyz/fail", null)).Dispose();

        Assert.Equal(("0", 2), await CheckAsync(client, "liveness"));
        Assert.Equal(("0", 2), await CheckAsync(client, ""));
        Assert.Equal(("0", 2), await CheckAsync(client, "readiness"));
        await server.WaitForLineAsync(l => l.EndsWith("grpc Check service=\"readiness\" NOT_SERVING", StringComparison.Ordinal));
    }

    /// <returns>The grpc-status trailer and the serving status in the response (-1 without a message).</returns>
    private static async Task<(string? GrpcStatus, int ServingStatus)> CheckAsync(HttpClient client, string service)
    {
        var name = Encoding.UTF8.GetBytes(service);
        byte[] message = name.Length == 0 ? [] : [0x0A, (byte)name.Length, .. name];
        byte[] body = [0, 0, 0, 0, (byte)message.Length, .. message];
        using var request = new HttpRequestMessage(HttpMethod.Post, "/grpc.health.v1.Health/Check")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("TE", "trailers");

        using var response = await client.SendAsync(request);
        var answer = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("application/grpc", response.Content.Headers.ContentType?.MediaType);
        var status = response.TrailingHeaders.TryGetValues("grpc-status", out var values) ? values.Single() : null;
        return (status, answer.Length == 7 && answer[5] == 0x08 ? answer[6] : -1);
    }
}
