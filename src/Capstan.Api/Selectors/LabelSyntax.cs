using Capstan.Api.Validation;

namespace Capstan.Api.Selectors;

/// <summary>Label key and value checks for selectors, with Kubernetes' wording; the rules themselves live in <see cref="NameFormats"/>.</summary>
public static class LabelSyntax
{
    /// <summary>Problems with a label key ([prefix/]name), empty when it is valid.</summary>
    public static IReadOnlyList<string> KeyErrors(string key) => NameFormats.IsQualifiedName(key);

    /// <summary>Problems with a label value, empty when it is valid (the empty string is valid).</summary>
    public static IReadOnlyList<string> ValueErrors(string value) => NameFormats.IsValidLabelValue(value);

    public static bool IsValidKey(string key) => KeyErrors(key).Count == 0;

    public static bool IsValidValue(string value) => ValueErrors(value).Count == 0;

    /// <summary>Kubernetes' field.Invalid wording: <c>path: Invalid value: "v": detail</c>.</summary>
    internal static string Invalid(string? path, string value, IEnumerable<string> details)
    {
        var body = $"Invalid value: \"{value}\": {string.Join("; ", details)}";
        return string.IsNullOrEmpty(path) ? body : path + ": " + body;
    }
}
