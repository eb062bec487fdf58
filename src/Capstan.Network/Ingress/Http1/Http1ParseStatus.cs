namespace Capstan.Network.Ingress.Http1;

/// <summary>What parsing a message head from the bytes read so far gave.</summary>
internal enum Http1ParseStatus
{
    /// <summary>The head does not end in the bytes so far: read more.</summary>
    Incomplete,
    Complete,

    /// <summary>Not HTTP/1.x as RFC 9112 writes it: answered 400 (or 502 for a response).</summary>
    Malformed,

    /// <summary>The head does not fit the buffer: answered 431 (or 502 for a response).</summary>
    TooLarge,

    /// <summary>The HTTP/2 connection preface (prior knowledge), which this port does not speak.</summary>
    Http2Preface,
}
