using System.ComponentModel;
using System.Reflection;
using System.Text;
using System.Xml;
using k8s.Models;

namespace Capstan.Api.OpenApi;

/// <summary>
/// Descriptions of the KubernetesClient model types and properties, read from the XML documentation file the package ships
/// (KubernetesClient.xml, copied next to our assemblies by the build). <c>kubectl explain</c> prints them.
/// Without the file every description is empty.
/// </summary>
public sealed class ModelDocs
{
    private const string TypePrefix = "T:k8s.Models.";
    private const string PropertyPrefix = "P:k8s.Models.";

    private static readonly Lazy<ModelDocs> LazyDefault = new(LoadDefault);

    private readonly Dictionary<string, string> _summaries;

    private ModelDocs(Dictionary<string, string> summaries) => _summaries = summaries;

    public static ModelDocs Empty { get; } = new([]);

    /// <summary>The documentation found next to the application or the KubernetesClient assembly, loaded once.</summary>
    public static ModelDocs Default => LazyDefault.Value;

    /// <summary>Number of documented types and properties.</summary>
    public int Count => _summaries.Count;

    /// <summary>Reads the model members of a .NET XML documentation file.</summary>
    public static ModelDocs Load(string path)
    {
        var summaries = new Dictionary<string, string>(StringComparer.Ordinal);
        using var reader = XmlReader.Create(path, new XmlReaderSettings { IgnoreComments = true, DtdProcessing = DtdProcessing.Prohibit });
        while (reader.ReadToFollowing("member"))
        {
            var name = reader.GetAttribute("name");
            if (name is null || !(name.StartsWith(TypePrefix, StringComparison.Ordinal) || name.StartsWith(PropertyPrefix, StringComparison.Ordinal)))
            {
                continue;
            }

            using var member = reader.ReadSubtree();
            if (member.ReadToFollowing("summary"))
            {
                var text = Normalize(member.ReadElementContentAsString());
                if (text.Length > 0)
                {
                    summaries[name[2..]] = text;
                }
            }
        }

        return new ModelDocs(summaries);
    }

    /// <summary>The description of a model type, or null. Capstan's own kinds (Rollouts) carry theirs in a [Description].</summary>
    public string? ForType(Type type) =>
        _summaries.GetValueOrDefault("k8s.Models." + type.Name) ?? type.GetCustomAttribute<DescriptionAttribute>()?.Description;

    /// <summary>The description of a model property by its CLR name, or null.</summary>
    public string? ForProperty(Type type, string propertyName) =>
        _summaries.GetValueOrDefault($"k8s.Models.{type.Name}.{propertyName}") ?? type.GetProperty(propertyName)?.GetCustomAttribute<DescriptionAttribute>()?.Description;

    private static ModelDocs LoadDefault()
    {
        string?[] candidates =
        [
            Path.Combine(AppContext.BaseDirectory, "KubernetesClient.xml"),
            string.IsNullOrEmpty(typeof(V1Pod).Assembly.Location) ? null : Path.ChangeExtension(typeof(V1Pod).Assembly.Location, ".xml"),
        ];
        foreach (var path in candidates)
        {
            if (path is not null && File.Exists(path))
            {
                try
                {
                    return Load(path);
                }
                catch (Exception e) when (e is XmlException or IOException or UnauthorizedAccessException)
                {
                    // A damaged file costs descriptions, not the API.
                }
            }
        }

        return Empty;
    }

    /// <summary>Joins the wrapped lines of a summary; blank lines stay paragraph breaks, as in the API reference.</summary>
    private static string Normalize(string raw)
    {
        var text = new StringBuilder(raw.Length);
        var pendingBreak = false;
        foreach (var line in raw.Split('\n'))
        {
            var trimmed = line.Trim();
            if (trimmed.Length == 0)
            {
                pendingBreak = text.Length > 0;
                continue;
            }

            if (text.Length > 0)
            {
                text.Append(pendingBreak ? "\n\n" : " ");
            }

            text.Append(trimmed);
            pendingBreak = false;
        }

        return text.ToString();
    }
}
