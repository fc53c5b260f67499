using System.Net;
using System.Text;
using Microsoft.DotNet.Interactive.Formatting;

namespace NotebookKit.Display;

/// <summary>
/// The display of a notebook exported by <c>nbkit export</c> as a .NET file-based app: each displayed value is
/// printed as text on the console, and rendered as the kernel would render it (tables, charts) into one HTML page,
/// written when the program ends.
/// </summary>
public static class ExportedNotebook
{
    static readonly StringBuilder Outputs = new();
    static readonly object Gate = new();
    static string? pagePath;
    static string title = "";

    /// <summary>
    /// Starts the program as the notebook: relative paths resolve against <paramref name="notebookDirectory"/>, as
    /// in the kernel, and displays collect into <paramref name="htmlPath"/> (relative to the current directory).
    /// </summary>
    public static void Start(string notebookDirectory, string name, string htmlPath)
    {
        if (!Directory.Exists(notebookDirectory))
            throw new DirectoryNotFoundException($"The notebook folder '{notebookDirectory}' does not exist: "
                + "export the notebook again from where it lives.");
        pagePath = Path.GetFullPath(htmlPath);
        Directory.SetCurrentDirectory(notebookDirectory);
        title = name;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => WritePage();
        AppDomain.CurrentDomain.UnhandledException += (_, _) => WritePage();
    }

    /// <summary>Shows <paramref name="value"/>: its plain text on the console, its HTML on the page.</summary>
    public static object? Display(object? value)
    {
        Console.WriteLine(Formatter.ToDisplayString(value, PlainTextFormatter.MimeType));
        string html = Formatter.ToDisplayString(value, HtmlFormatter.MimeType);
        lock (Gate) Outputs.Append("<div class=\"output\">").Append(html).Append("</div>\n");
        return value;
    }

    static int writtenLength = -1;

    /// <summary>Writes the page of everything displayed so far (also done when the program exits).</summary>
    public static void WritePage()
    {
        if (pagePath is null) return;
        lock (Gate)
        {
            if (Outputs.Length == writtenLength) return; // the exit hooks follow the program's own call: nothing new
            writtenLength = Outputs.Length;
            Directory.CreateDirectory(Path.GetDirectoryName(pagePath)!);
            File.WriteAllText(pagePath, $"""
                <!DOCTYPE html>
                <html><head><meta charset="utf-8"><title>{WebUtility.HtmlEncode(title)}</title>
                <style>body {"{"} font-family: sans-serif; max-width: 1200px; margin: auto; {"}"}
                .output {"{"} margin: 1em 0; {"}"}</style></head>
                <body><h1>{WebUtility.HtmlEncode(title)}</h1>
                {Outputs}</body></html>
                """);
        }
    }
}
