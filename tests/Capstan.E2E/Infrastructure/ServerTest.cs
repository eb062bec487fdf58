namespace Capstan.E2E.Infrastructure;

/// <summary>
/// Base of the E2E test classes: gives each test the class's server and fails the test that made the server log an
/// internal error (a 500), so the guilty command is named rather than only the class cleanup failing.
/// </summary>
public abstract class ServerTest(CapstanServerFixture server) : IAsyncLifetime
{
    private int _internalErrorsBefore;

    protected CapstanServerFixture Server => server;

    protected Kubectl Kubectl => server.Kubectl;

    public Task InitializeAsync()
    {
        _internalErrorsBefore = server.InternalErrors().Count;
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        var errors = server.InternalErrors();
        if (errors.Count > _internalErrorsBefore)
        {
            throw new Xunit.Sdk.XunitException(
                "the server answered with an internal error (500) during this test:\n" + string.Join('\n', errors.Skip(_internalErrorsBefore)));
        }

        return Task.CompletedTask;
    }
}
