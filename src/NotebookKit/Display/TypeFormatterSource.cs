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
        yield return new TextFormatter("text/html", o => (o as IRichDisplay)?.ToHtml());
        yield return new TextFormatter("text/plain", o => (o as IRichDisplay)?.ToPlainText());
    }
}

/// <summary>
/// Formatter source for <see cref="Figure"/>: HTML that draws on its own, the plotly MIME bundle for front ends with
/// a plotly renderer, and a line of text. The figure's attribute lists all three as preferred, so a notebook output
/// carries all three.
/// </summary>
public sealed class FigureFormatterSource
{
    public IEnumerable<object> CreateTypeFormatters() => new RichDisplayFormatterSource().CreateTypeFormatters()
        .Append(new TextFormatter(PlotlyHtml.MimeType, o => (o as Figure)?.ToMimeBundleJson()));
}

/// <summary>A formatter in the shape .NET Interactive looks for by convention: a MIME type and Format(value, writer).</summary>
sealed class TextFormatter(string mimeType, Func<object, string?> render)
{
    public string MimeType { get; } = mimeType;

    public bool Format(object instance, TextWriter writer)
    {
        if (render(instance) is not string text) return false;
        writer.Write(text);
        return true;
    }
}
