namespace Capstan.Agent.Streaming;

/// <summary>
/// The WebSocket channel protocols of exec and attach (k8s.io/apimachinery util/remotecommand): every binary message
/// starts with its channel byte. v5 adds a CLOSE signal, the message [255, channel], which half-closes a channel
/// (kubectl sends it for stdin EOF); v4 has none, so stdin stays open until the session ends.
/// </summary>
public static class RemoteCommandProtocol
{
    public const string V5 = "v5.channel.k8s.io";
    public const string V4 = "v4.channel.k8s.io";

    public const byte Stdin = 0;
    public const byte Stdout = 1;
    public const byte Stderr = 2;

    /// <summary>Carries one metav1.Status at the end: Success, or Failure (NonZeroExitCode with the code as a cause).</summary>
    public const byte Error = 3;

    /// <summary>Terminal size changes as JSON <c>{"Width":80,"Height":24}</c>.</summary>
    public const byte Resize = 4;

    /// <summary>v5 only: <c>[255, channel]</c> closes <c>channel</c>.</summary>
    public const byte Close = 255;

    /// <summary>The protocols served, most preferred first.</summary>
    public static IReadOnlyList<string> Supported { get; } = [V5, V4];

    /// <summary>The best protocol both sides speak, or null.</summary>
    public static string? Negotiate(IEnumerable<string> requested)
    {
        var offered = requested.SelectMany(p => p.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToHashSet(StringComparer.Ordinal);
        return Supported.FirstOrDefault(offered.Contains);
    }

    /// <summary>A data message: the channel byte, then the payload.</summary>
    public static byte[] Frame(byte channel, ReadOnlySpan<byte> payload)
    {
        var message = new byte[payload.Length + 1];
        message[0] = channel;
        payload.CopyTo(message.AsSpan(1));
        return message;
    }

    /// <summary>True (with the channel it closes) when <paramref name="message"/> is a v5 CLOSE signal.</summary>
    public static bool IsCloseSignal(string protocol, ReadOnlySpan<byte> message, out byte channel)
    {
        channel = 0;
        if (protocol != V5 || message.Length != 2 || message[0] != Close)
        {
            return false;
        }

        channel = message[1];
        return true;
    }
}
