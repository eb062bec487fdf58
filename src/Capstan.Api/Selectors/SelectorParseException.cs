namespace Capstan.Api.Selectors;

/// <summary>A label or field selector that cannot be parsed or is invalid; the message is fit for a 400 Status.</summary>
public sealed class SelectorParseException(string message) : FormatException(message);
