namespace Capstan.Api.Patch;

/// <summary>How the server should answer a failed patch.</summary>
public enum PatchErrorKind
{
    /// <summary>The patch document itself is malformed (400 BadRequest).</summary>
    BadRequest,

    /// <summary>The patch is well formed but cannot be applied to this object (422 Invalid), e.g. a failed JSON patch test.</summary>
    Invalid,
}

/// <summary>A patch that could not be decoded or applied; the message is meant for the client.</summary>
public sealed class PatchException : Exception
{
    public PatchException(PatchErrorKind kind, string message)
        : base(message)
    {
        Kind = kind;
    }

    public PatchErrorKind Kind { get; }

    internal static PatchException Bad(string message) => new(PatchErrorKind.BadRequest, message);

    internal static PatchException Invalid(string message) => new(PatchErrorKind.Invalid, message);
}
