using System.Net;
using k8s.Autorest;

namespace Capstan.Controllers.Tests.Integration;

internal static class ApiProbe
{
    /// <summary>True when the read answers 404.</summary>
    public static async Task<bool> IsGoneAsync<T>(Func<Task<T>> read)
    {
        try
        {
            await read();
            return false;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return true;
        }
    }
}
