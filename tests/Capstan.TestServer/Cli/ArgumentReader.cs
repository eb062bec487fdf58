using System.Globalization;

namespace Capstan.TestServer.Cli;

/// <summary>
/// Reads "--name value" and "--name=value" flags one by one. Hand-written rather than System.CommandLine: it keeps the
/// native binary small and its start-up at a millisecond.
/// </summary>
internal ref struct ArgumentReader(ReadOnlySpan<string> args)
{
    private readonly ReadOnlySpan<string> _args = args;
    private int _index;
    private string? _inlineValue;

    /// <summary>Moves to the next argument; returns false at the end. A flag comes back as its name ("--port").</summary>
    public bool TryNext(out string argument)
    {
        if (_inlineValue is not null)
        {
            throw new UsageException($"flag '{_args[_index - 1]}' takes no value");
        }

        if (_index >= _args.Length)
        {
            argument = "";
            return false;
        }

        argument = _args[_index++];
        var equals = argument.IndexOf('=');
        if (argument.StartsWith("--", StringComparison.Ordinal) && equals > 0)
        {
            _inlineValue = argument[(equals + 1)..];
            argument = argument[..equals];
        }

        return true;
    }

    public string Value(string flag)
    {
        if (_inlineValue is { } inline)
        {
            _inlineValue = null;
            return inline;
        }

        if (_index >= _args.Length)
        {
            throw new UsageException($"flag '{flag}' needs a value");
        }

        return _args[_index++];
    }

    public int IntValue(string flag, int min, int max) => ParseInt(flag, Value(flag), min, max);

    /// <summary>A duration in seconds; fractions are allowed ("0.5").</summary>
    public TimeSpan SecondsValue(string flag) => ParseSeconds(flag, Value(flag));

    public static int ParseInt(string name, string text, int min, int max)
    {
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new UsageException($"'{name}' must be an integer from {min} to {max}, not '{text}'");
        }

        return value;
    }

    public static TimeSpan ParseSeconds(string name, string text)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
            || seconds < 0 || double.IsNaN(seconds) || seconds > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            throw new UsageException($"'{name}' must be a non-negative number of seconds, not '{text}'");
        }

        return TimeSpan.FromSeconds(seconds);
    }
}
