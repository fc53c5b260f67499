using System.IO;

namespace NotebookKit.Display;

/// <summary>
/// Names the formatter source of a kit type. .NET Interactive's formatting matches this attribute by
/// name (as it does TorchSharp's), so the kit's types format themselves without any kernel package.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = true)]
public sealed class TypeFormatterSourceAttribute(Type formatterSourceType) : Attribute
{
    public Type FormatterSourceType { get; } = formatterSourceType;
    public string[] PreferredMimeTypes { get; set; } = ["text/html", "text/plain"];
}

/// <summary>A kit result that knows how to show itself as HTML and as plain text.</summary>
public interface IRichDisplay
{
    string ToHtml();
    string ToPlainText();
}

/// <summary>Formatter source for every <see cref="IRichDisplay"/> type; found by convention, see the attribute.</summary>
public sealed class RichDisplayFormatterSource
{
    public IEnumerable<object> CreateTypeFormatters()
    {
        yield return new RichFormatter("text/html", d => d.ToHtml());
        yield return new RichFormatter("text/plain", d => d.ToPlainText());
    }

    sealed class RichFormatter(string mimeType, Func<IRichDisplay, string> render)
    {
        public string MimeType { get; } = mimeType;

        public bool Format(object instance, TextWriter writer)
        {
            if (instance is not IRichDisplay display) return false;
            writer.Write(render(display));
            return true;
        }
    }
}
