using System.Text.Json;
using System.Text.Json.Serialization;

namespace NotebookKit.Display;

// A small typed model of plotly.js figures (traces + layout), serialised to plotly.js's JSON schema.
// Anything not modelled can be set through Extra, which is written as-is.

/// <summary>
/// A plotly.js figure: traces plus layout. Shows itself as HTML that draws offline on its own, and as the plotly MIME
/// bundle (<see cref="PlotlyHtml.MimeType"/>) that JupyterLab and VS Code's Jupyter renderers draw natively.
/// </summary>
[TypeFormatterSource(typeof(FigureFormatterSource), PreferredMimeTypes = ["text/html", PlotlyHtml.MimeType, "text/plain"])]
public sealed class Figure : IRichDisplay
{
    public List<Trace> Data { get; } = [];
    public Layout Layout { get; set; } = new();

    public Figure() { }
    public Figure(params Trace[] traces) => Data.AddRange(traces);

    public Figure Add(Trace trace) { Data.Add(trace); return this; }

    public Figure WithTitle(string title, string? xTitle = null, string? yTitle = null)
    {
        Layout.Title = new Title(title);
        if (xTitle is not null) (Layout.XAxis ??= new Axis()).Title = new Title(xTitle);
        if (yTitle is not null) (Layout.YAxis ??= new Axis()).Title = new Title(yTitle);
        return this;
    }

    /// <summary>The figure as plotly.js JSON: <c>{"data": [...], "layout": {...}}</c>.</summary>
    public string ToJson() =>
        JsonSerializer.Serialize(new { data = Data.Cast<object>().ToArray(), layout = Layout }, JsonOptions);

    /// <summary>The plotly MIME bundle: <c>{"data": [...], "layout": {...}, "config": {...}}</c>.</summary>
    public string ToMimeBundleJson() => PlotlyHtml.MimeBundleJson(ToJson());

    public string ToHtml() => PlotlyHtml.Render(this);

    /// <summary>Writes the figure to <paramref name="path"/> as a page that draws on its own, offline (plotly.js inside).</summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        File.WriteAllText(path, PlotlyHtml.Page(Layout.Title?.Text ?? "chart", PlotlyHtml.PageChart(this)));
    }

    public string ToPlainText() =>
        $"Figure '{Layout.Title?.Text}' with {Data.Count} trace(s): " + string.Join(", ", Data.Select(t => $"{t.Type} {t.Name}".Trim()));

    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}

public abstract class Trace
{
    [JsonPropertyName("type")] public abstract string Type { get; }
    public string? Name { get; set; }
    [JsonPropertyName("showlegend")] public bool? ShowLegend { get; set; }   // plotly.js spells it in lower case
    public string? Hovertemplate { get; set; }
    [JsonExtensionData] public Dictionary<string, object?> Extra { get; } = [];
}

public sealed class Scatter : Trace
{
    public override string Type => "scatter";
    public object? X { get; set; }
    public object? Y { get; set; }
    /// <summary>"lines", "markers", "lines+markers".</summary>
    public string? Mode { get; set; } = "lines";
    public Line? Line { get; set; }
    public Marker? Marker { get; set; }
    /// <summary>"tozeroy", "tonexty", ...</summary>
    public string? Fill { get; set; }
    public object? Text { get; set; }
}

public sealed class Bar : Trace
{
    public override string Type => "bar";
    public object? X { get; set; }
    public object? Y { get; set; }
    /// <summary>"v" or "h".</summary>
    public string? Orientation { get; set; }
    public Marker? Marker { get; set; }
    public object? Text { get; set; }
}

public sealed class Histogram : Trace
{
    public override string Type => "histogram";
    public object? X { get; set; }
    public int? Nbinsx { get; set; }
    public double? Opacity { get; set; }
    public Marker? Marker { get; set; }
}

public sealed class Heatmap : Trace
{
    public override string Type => "heatmap";
    public object? Z { get; set; }
    public object? X { get; set; }
    public object? Y { get; set; }
    public string? Colorscale { get; set; }
    public object? Text { get; set; }
    public string? Texttemplate { get; set; }
}

/// <summary>A contour plot of Z over the grid X (columns) by Y (rows).</summary>
public sealed class Contour : Trace
{
    public override string Type => "contour";
    /// <summary>Rows of values: Z[i][j] at (X[j], Y[i]).</summary>
    public object? Z { get; set; }
    public object? X { get; set; }
    public object? Y { get; set; }
    public string? Colorscale { get; set; }
    /// <summary>Number of contour levels plotly aims for.</summary>
    public int? Ncontours { get; set; }
    public bool? Showscale { get; set; }
}

public sealed class Line
{
    public string? Color { get; set; }
    public double? Width { get; set; }
    /// <summary>"solid", "dash", "dot", "dashdot".</summary>
    public string? Dash { get; set; }
    /// <summary>"linear", "hv" (steps), "spline".</summary>
    public string? Shape { get; set; }
}

public sealed class Marker
{
    public object? Color { get; set; }
    public double? Size { get; set; }
    public string? Colorscale { get; set; }
    public bool? Showscale { get; set; }
    /// <summary>"circle", "star", "x", ...</summary>
    public string? Symbol { get; set; }
}

public sealed record Title([property: JsonPropertyName("text")] string Text);

public sealed class Axis
{
    public Title? Title { get; set; }
    /// <summary>"linear", "log", "category".</summary>
    public string? Type { get; set; }
    public double[]? Range { get; set; }
    [JsonExtensionData] public Dictionary<string, object?> Extra { get; } = [];
}

public sealed class Layout
{
    public Title? Title { get; set; }
    [JsonPropertyName("xaxis")] public Axis? XAxis { get; set; }
    [JsonPropertyName("yaxis")] public Axis? YAxis { get; set; }
    public int? Width { get; set; }
    public int? Height { get; set; } = 420;
    /// <summary>"group", "stack", "overlay".</summary>
    public string? Barmode { get; set; }
    [JsonExtensionData] public Dictionary<string, object?> Extra { get; } = [];
}

/// <summary>Parallel coordinates: one vertical axis per dimension, one line per record (added for the tuning plots).</summary>
public sealed class Parcoords : Trace
{
    public override string Type => "parcoords";
    public List<ParcoordsDimension> Dimensions { get; } = [];
    /// <summary>Line colouring, e.g. <c>new { color = values, colorscale = "Viridis", showscale = true }</c>.</summary>
    public object? Line { get; set; }
}

public sealed class ParcoordsDimension
{
    public string? Label { get; set; }
    public object? Values { get; set; }
    public double[]? Range { get; set; }
    public object? Tickvals { get; set; }
    public object? Ticktext { get; set; }
}
