namespace Capstan.Api.Patch;

/// <summary>An RFC 6901 JSON pointer split into unescaped reference tokens.</summary>
internal sealed class JsonPointer
{
    private JsonPointer(string text, IReadOnlyList<string> tokens)
    {
        Text = text;
        Tokens = tokens;
    }

    public string Text { get; }

    public IReadOnlyList<string> Tokens { get; }

    public bool IsRoot => Tokens.Count == 0;

    public static JsonPointer Parse(string text)
    {
        if (text.Length == 0)
        {
            return new JsonPointer(text, []);
        }

        if (text[0] != '/')
        {
            throw PatchException.Bad($"invalid JSON pointer \"{text}\": must be empty or start with '/'");
        }

        var tokens = new List<string>();
        foreach (var raw in text[1..].Split('/'))
        {
            tokens.Add(Unescape(raw, text));
        }

        return new JsonPointer(text, tokens);
    }

    /// <summary>True when this pointer is a proper prefix of <paramref name="other"/> (a value cannot be moved into itself).</summary>
    public bool IsProperPrefixOf(JsonPointer other) =>
        Tokens.Count < other.Tokens.Count && Tokens.Select((t, i) => t == other.Tokens[i]).All(b => b);

    private static string Unescape(string token, string text)
    {
        if (!token.Contains('~'))
        {
            return token;
        }

        var sb = new System.Text.StringBuilder(token.Length);
        for (var i = 0; i < token.Length; i++)
        {
            if (token[i] != '~')
            {
                sb.Append(token[i]);
                continue;
            }

            // Only ~0 (~) and ~1 (/) are valid escapes.
            var next = i + 1 < token.Length ? token[i + 1] : '\0';
            sb.Append(next switch
            {
                '0' => '~',
                '1' => '/',
                _ => throw PatchException.Bad($"invalid JSON pointer \"{text}\": '~' must be followed by '0' or '1'"),
            });
            i++;
        }

        return sb.ToString();
    }
}
