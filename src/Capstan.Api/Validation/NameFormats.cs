using System.Text.RegularExpressions;

namespace Capstan.Api.Validation;

/// <summary>
/// Kubernetes' string formats (k8s.io/apimachinery/pkg/util/validation): each check returns the problems found, worded as Kubernetes words them; empty means valid.
/// </summary>
public static partial class NameFormats
{
    public const int Dns1123LabelMaxLength = 63;
    public const int Dns1123SubdomainMaxLength = 253;
    public const int Dns1035LabelMaxLength = 63;
    public const int QualifiedNameMaxLength = 63;
    public const int LabelValueMaxLength = 63;
    public const int ConfigMapKeyMaxLength = 253;

    public const string Dns1123LabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
    public const string Dns1123SubdomainFmt = Dns1123LabelFmt + "(\\." + Dns1123LabelFmt + ")*";
    public const string Dns1035LabelFmt = "[a-z]([-a-z0-9]*[a-z0-9])?";
    public const string QualifiedNameFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
    public const string LabelValueFmt = "(" + QualifiedNameFmt + ")?";
    public const string ConfigMapKeyFmt = "[-._a-zA-Z0-9]+";

    private const string Dns1123LabelErrMsg = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
    private const string Dns1123SubdomainErrMsg = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
    private const string Dns1035LabelErrMsg = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
    private const string QualifiedNameErrMsg = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
    private const string LabelValueErrMsg = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
    private const string ConfigMapKeyErrMsg = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'";

    [GeneratedRegex("^" + Dns1123LabelFmt + @"\z", RegexOptions.CultureInvariant)]
    private static partial Regex Dns1123LabelRegex();

    [GeneratedRegex("^" + Dns1123SubdomainFmt + @"\z", RegexOptions.CultureInvariant)]
    private static partial Regex Dns1123SubdomainRegex();

    [GeneratedRegex("^" + Dns1035LabelFmt + @"\z", RegexOptions.CultureInvariant)]
    private static partial Regex Dns1035LabelRegex();

    [GeneratedRegex("^" + QualifiedNameFmt + @"\z", RegexOptions.CultureInvariant)]
    private static partial Regex QualifiedNameRegex();

    [GeneratedRegex("^" + LabelValueFmt + @"\z", RegexOptions.CultureInvariant)]
    private static partial Regex LabelValueRegex();

    [GeneratedRegex("^" + ConfigMapKeyFmt + @"\z", RegexOptions.CultureInvariant)]
    private static partial Regex ConfigMapKeyRegex();

    public static string EmptyError() => "must be non-empty";

    public static string MaxLenError(int length) => $"must be no more than {length} characters";

    /// <summary>Kubernetes' regex message: the rule, examples joined by "or", then the regex.</summary>
    public static string RegexError(string msg, string fmt, params string[] examples)
    {
        if (examples.Length == 0)
        {
            return msg + " (regex used for validation is '" + fmt + "')";
        }

        var text = msg + " (e.g. ";
        for (var i = 0; i < examples.Length; i++)
        {
            if (i > 0)
            {
                text += " or ";
            }

            text += "'" + examples[i] + "', ";
        }

        return text + "regex used for validation is '" + fmt + "')";
    }

    public static IReadOnlyList<string> IsDns1123Label(string value)
    {
        var errs = new List<string>();
        if (value.Length > Dns1123LabelMaxLength)
        {
            errs.Add(MaxLenError(Dns1123LabelMaxLength));
        }

        if (!Dns1123LabelRegex().IsMatch(value))
        {
            errs.Add(RegexError(Dns1123LabelErrMsg, Dns1123LabelFmt, "my-name", "123-abc"));
        }

        return errs;
    }

    public static IReadOnlyList<string> IsDns1123Subdomain(string value)
    {
        var errs = new List<string>();
        if (value.Length > Dns1123SubdomainMaxLength)
        {
            errs.Add(MaxLenError(Dns1123SubdomainMaxLength));
        }

        if (!Dns1123SubdomainRegex().IsMatch(value))
        {
            errs.Add(RegexError(Dns1123SubdomainErrMsg, Dns1123SubdomainFmt, "example.com"));
        }

        return errs;
    }

    public static IReadOnlyList<string> IsDns1035Label(string value)
    {
        var errs = new List<string>();
        if (value.Length > Dns1035LabelMaxLength)
        {
            errs.Add(MaxLenError(Dns1035LabelMaxLength));
        }

        if (!Dns1035LabelRegex().IsMatch(value))
        {
            errs.Add(RegexError(Dns1035LabelErrMsg, Dns1035LabelFmt, "my-name", "abc-123"));
        }

        return errs;
    }

    /// <summary>A name with an optional DNS subdomain prefix: "example.com/MyName" (label keys, annotation keys, finalizers).</summary>
    public static IReadOnlyList<string> IsQualifiedName(string value)
    {
        var errs = new List<string>();
        var parts = value.Split('/');
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
                    errs.Add("prefix part " + EmptyError());
                }
                else
                {
                    errs.AddRange(IsDns1123Subdomain(prefix).Select(m => "prefix part " + m));
                }

                break;
            default:
                return [RegexError("a qualified name " + QualifiedNameErrMsg, QualifiedNameFmt, "MyName", "my.name", "123-abc")
                    + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"];
        }

        if (name.Length == 0)
        {
            errs.Add("name part " + EmptyError());
        }
        else if (name.Length > QualifiedNameMaxLength)
        {
            errs.Add("name part " + MaxLenError(QualifiedNameMaxLength));
        }

        if (!QualifiedNameRegex().IsMatch(name))
        {
            errs.Add("name part " + RegexError(QualifiedNameErrMsg, QualifiedNameFmt, "MyName", "my.name", "123-abc"));
        }

        return errs;
    }

    public static IReadOnlyList<string> IsValidLabelValue(string value)
    {
        var errs = new List<string>();
        if (value.Length > LabelValueMaxLength)
        {
            errs.Add(MaxLenError(LabelValueMaxLength));
        }

        if (!LabelValueRegex().IsMatch(value))
        {
            errs.Add(RegexError(LabelValueErrMsg, LabelValueFmt, "MyValue", "my_value", "12345"));
        }

        return errs;
    }

    /// <summary>A name usable as one URL path segment (RBAC kinds).</summary>
    public static IReadOnlyList<string> IsValidPathSegmentName(string value)
    {
        if (value == ".")
        {
            return ["may not be '.'"];
        }

        if (value == "..")
        {
            return ["may not be '..'"];
        }

        return IsValidPathSegmentPrefix(value);
    }

    public static IReadOnlyList<string> IsValidPathSegmentPrefix(string value)
    {
        var errs = new List<string>();
        if (value.Contains('/'))
        {
            errs.Add("may not contain '/'");
        }

        if (value.Contains('%'))
        {
            errs.Add("may not contain '%'");
        }

        return errs;
    }

    /// <summary>A key of a ConfigMap's or Secret's data.</summary>
    public static IReadOnlyList<string> IsConfigMapKey(string value)
    {
        var errs = new List<string>();
        if (value.Length > ConfigMapKeyMaxLength)
        {
            errs.Add(MaxLenError(ConfigMapKeyMaxLength));
        }

        if (!ConfigMapKeyRegex().IsMatch(value))
        {
            errs.Add(RegexError(ConfigMapKeyErrMsg, ConfigMapKeyFmt, "key.name", "KEY_NAME", "key-name"));
        }

        if (value == ".")
        {
            errs.Add("must not be '.'");
        }
        else if (value == "..")
        {
            errs.Add("must not be '..'");
        }
        else if (value.StartsWith("..", StringComparison.Ordinal))
        {
            errs.Add("must not start with '..'");
        }

        return errs;
    }

    /// <summary>An environment variable name: printable ASCII other than '=' (the relaxed rule, on by default since 1.32).</summary>
    public static IReadOnlyList<string> IsEnvVarName(string value)
    {
        if (value.Length == 0 || value.Any(c => c < 32 || c > 126 || c == '='))
        {
            return ["a valid environment variable name must consist only of printable ASCII characters other than '='"];
        }

        return [];
    }

    /// <summary>A generateName is checked as a name whose trailing dash will be followed by a random suffix.</summary>
    public static string MaskTrailingDash(string name) =>
        name.Length > 1 && name.EndsWith('-') ? name[..^1] + "a" : name;
}
