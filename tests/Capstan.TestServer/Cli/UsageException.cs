namespace Capstan.TestServer.Cli;

/// <summary>A command line that cannot be run; Main prints the message and the usage and exits 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
