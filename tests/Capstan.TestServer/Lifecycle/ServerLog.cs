using System.Globalization;

namespace Capstan.TestServer.Lifecycle;

/// <summary>
/// Lines on stdout, which becomes the container log. Console.Out is synchronised and flushes each write, so lines from
/// concurrent connections never interleave and survive an abrupt exit.
/// </summary>
internal static class ServerLog
{
    public static void Line(string message) =>
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} {message}"));

    /// <summary>Written verbatim, without a timestamp, so that scripts can match it: "listening on IP:PORT".</summary>
    public static void Raw(string line) => Console.Out.WriteLine(line);
}
