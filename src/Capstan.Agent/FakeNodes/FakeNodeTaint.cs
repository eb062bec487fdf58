namespace Capstan.Agent.FakeNodes;

/// <summary>A taint of every node of a pool: key=value:Effect, as `kubectl taint` writes it.</summary>
public sealed record FakeNodeTaint(string Key, string Value, string Effect)
{
    private static readonly string[] Effects = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

    /// <summary>Parses key[=value]:Effect; null when malformed.</summary>
    public static FakeNodeTaint? Parse(string text)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0)
        {
            return null;
        }

        var effect = text[(colon + 1)..];
        if (!Effects.Contains(effect, StringComparer.Ordinal))
        {
            return null;
        }

        var keyValue = text[..colon];
        var equals = keyValue.IndexOf('=');
        var key = equals < 0 ? keyValue : keyValue[..equals];
        var value = equals < 0 ? "" : keyValue[(equals + 1)..];
        return key.Length == 0 ? null : new FakeNodeTaint(key, value, effect);
    }
}
