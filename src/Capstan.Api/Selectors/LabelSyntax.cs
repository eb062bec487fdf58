using System.Text.RegularExpressions;

namespace Capstan.Api.Selectors;

/// <summary>Label key and value validation with Kubernetes' wording (qualified names, label values, DNS-1123 subdomains).</summary>
public static partial class LabelSyntax
{
    private const int NameMaxLength = 63;
    private const int SubdomainMaxLength = 253;
    private const string QualifiedNameFormat = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
    private const string LabelValueFormat = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
    private const string SubdomainFormat = @"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";

    private const string QualifiedNameMessage =
        "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

    private const string LabelValueMessage =
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

    private const string SubdomainMessage =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

    /// <summary>Problems with a label key ([prefix/]name), empty when it is valid.</summary>
    public static IReadOnlyList<string> KeyErrors(string key)
    {
        var errors = new List<string>();
        var parts = key.Split('/');
        string name;
        switch (parts.Length)
        {
            case 1:
                name = parts[0];
                break;
            case 2:
                var prefix = parts[0];
                name = parts[1];
                if (prefix.Length == 0)
                {
                    errors.Add("prefix part must be non-empty");
                }
                else
                {
                    errors.AddRange(SubdomainErrors(prefix).Select(e => "prefix part " + e));
                }

                break;
            default:
                errors.Add("a qualified name " + RegexError(QualifiedNameMessage, QualifiedNameFormat, "MyName", "my.name", "123-abc") +
                    " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
                return errors;
        }

        if (name.Length == 0)
        {
            errors.Add("name part must be non-empty");
        }
        else if (name.Length > NameMaxLength)
        {
            errors.Add($"name part must be no more than {NameMaxLength} characters");
        }

        if (!QualifiedName().IsMatch(name))
        {
            errors.Add("name part " + RegexError(QualifiedNameMessage, QualifiedNameFormat, "MyName", "my.name", "123-abc"));
        }

        return errors;
    }

    /// <summary>Problems with a label value, empty when it is valid (the empty string is valid).</summary>
    public static IReadOnlyList<string> ValueErrors(string value)
    {
        var errors = new List<string>();
        if (value.Length > NameMaxLength)
        {
            errors.Add($"must be no more than {NameMaxLength} characters");
        }

        if (!LabelValue().IsMatch(value))
        {
            errors.Add(RegexError(LabelValueMessage, LabelValueFormat, "MyValue", "my_value", "12345"));
        }

        return errors;
    }

    public static bool IsValidKey(string key) => KeyErrors(key).Count == 0;

    public static bool IsValidValue(string value) => ValueErrors(value).Count == 0;

    /// <summary>Kubernetes' field.Invalid wording: <c>path: Invalid value: "v": detail</c>.</summary>
    internal static string Invalid(string? path, string value, IEnumerable<string> details)
    {
        var body = $"Invalid value: \"{value}\": {string.Join("; ", details)}";
        return string.IsNullOrEmpty(path) ? body : path + ": " + body;
    }

    private static IEnumerable<string> SubdomainErrors(string value)
    {
        if (value.Length > SubdomainMaxLength)
        {
            yield return $"must be no more than {SubdomainMaxLength} characters";
        }

        if (!Subdomain().IsMatch(value))
        {
            yield return RegexError(SubdomainMessage, SubdomainFormat, "example.com");
        }
    }

    private static string RegexError(string message, string format, params string[] examples) =>
        message + " (e.g. " + string.Join(" or ", examples.Select(e => $"'{e}',")) + " regex used for validation is '" + format + "')";

    [GeneratedRegex("^" + QualifiedNameFormat + @"\z", RegexOptions.CultureInvariant)]
    private static partial Regex QualifiedName();

    [GeneratedRegex("^" + LabelValueFormat + @"\z", RegexOptions.CultureInvariant)]
    private static partial Regex LabelValue();

    [GeneratedRegex("^" + SubdomainFormat + @"\z", RegexOptions.CultureInvariant)]
    private static partial Regex Subdomain();
}
