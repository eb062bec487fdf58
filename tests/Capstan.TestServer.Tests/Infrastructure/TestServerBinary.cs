namespace Capstan.TestServer.Tests.Infrastructure;

/// <summary>
/// Finds the native capstan-testserver: $CAPSTAN_TESTSERVER if set, else artifacts/testserver/capstan-testserver under the
/// repository root (the folder holding Capstan.slnx above the test assembly), where every build of
/// tests/Capstan.TestServer publishes it.
/// </summary>
public static class TestServerBinary
{
    public const string EnvironmentVariable = "CAPSTAN_TESTSERVER";

    public static string Path { get; } = Locate();

    private static string Locate()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } configured)
        {
            return File.Exists(configured) ? configured : throw new FileNotFoundException($"${EnvironmentVariable} names a missing file", configured);
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Capstan.slnx")))
            {
                var binary = System.IO.Path.Combine(dir.FullName, "artifacts", "testserver", "capstan-testserver");
                return File.Exists(binary)
                    ? binary
                    : throw new FileNotFoundException("capstan-testserver is not built: run scripts/build-testserver.sh", binary);
            }
        }

        throw new DirectoryNotFoundException($"no Capstan.slnx above {AppContext.BaseDirectory}");
    }
}
