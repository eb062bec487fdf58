namespace Capstan.TestServer.Http;

/// <summary>Reads "a=1&amp;b=x+y%21" query strings: '+' is a space, %XX escapes are decoded.</summary>
internal static class QueryString
{
    public static string? Get(string query, string name)
    {
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=');
            var key = Decode(equals < 0 ? pair : pair[..equals]);
            if (key == name)
            {
                return equals < 0 ? "" : Decode(pair[(equals + 1)..]);
            }
        }

        return null;
    }

    public static string Decode(string text) => Uri.UnescapeDataString(text.Replace('+', ' '));
}
