namespace Capstan.Network.Ingress.Http1;

/// <summary>How the end of a message body is found (RFC 9112 section 6.3).</summary>
internal enum BodyFraming
{
    None,
    ContentLength,
    Chunked,

    /// <summary>A response without length that ends when the backend closes.</summary>
    UntilClose,
}
