using System.Text.RegularExpressions;

namespace NotebookKit.Runner;

/// <summary>A <c>#r</c> reference found in a cell.</summary>
public abstract record Reference(int Line);
public sealed record PackageReference(int Line, string Id, string? Version) : Reference(Line);
public sealed record AssemblyReference(int Line, string Path) : Reference(Line);

/// <summary>
/// Splits the kernel's directives out of a cell: <c>#r "nuget: Id, Version"</c>, <c>#r "path.dll"</c>, <c>#i</c>,
/// <c>#!csharp</c> and <c>#!markdown</c>. Directive lines become blank lines, so compiler line numbers still match
/// the cell. Any other magic command is an error: notebooks must stay portable between the kernel and nbkit.
/// </summary>
public sealed partial class CellDirectives
{
    public List<Reference> References { get; } = [];
    public List<string> Sources { get; } = [];
    public bool IsMarkdown { get; private set; }
    public string Code { get; private set; } = "";

    [GeneratedRegex("""^\s*#r\s+"nuget:\s*(?<id>[^,"\s]+)\s*(,\s*(?<version>[^"\s]+)\s*)?"\s*$""")]
    private static partial Regex NugetPattern();
    [GeneratedRegex("""^\s*#r\s+"(?<path>[^"]+)"\s*$""")]
    private static partial Regex PathPattern();
    [GeneratedRegex("""^\s*#i\s+"(?<source>[^"]+)"\s*$""")]
    private static partial Regex SourcePattern();
    [GeneratedRegex("""^\s*#!(?<magic>\S+)""")]
    private static partial Regex MagicPattern();

    public static CellDirectives Parse(string source)
    {
        var result = new CellDirectives();
        var lines = source.Replace("\r\n", "\n").Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            Match m;
            if ((m = NugetPattern().Match(line)).Success)
            {
                result.References.Add(new PackageReference(i + 1, m.Groups["id"].Value, m.Groups["version"].Success ? m.Groups["version"].Value : null));
                lines[i] = "";
            }
            else if ((m = PathPattern().Match(line)).Success)
            {
                result.References.Add(new AssemblyReference(i + 1, m.Groups["path"].Value));
                lines[i] = "";
            }
            else if ((m = SourcePattern().Match(line)).Success)
            {
                result.Sources.Add(m.Groups["source"].Value);
                lines[i] = "";
            }
            else if (line.TrimStart().StartsWith("#r", StringComparison.Ordinal) && line.TrimStart().Length > 2 && char.IsWhiteSpace(line.TrimStart()[2]))
            {
                throw new DirectiveException(i + 1, $"malformed #r directive '{line.Trim()}': use #r \"nuget: Id, Version\" or #r \"path.dll\".");
            }
            else if ((m = MagicPattern().Match(line)).Success)
            {
                switch (m.Groups["magic"].Value)
                {
                    case "csharp" or "c#" or "C#":
                        lines[i] = "";
                        break;
                    case "markdown":
                        result.IsMarkdown = true;
                        return result;
                    default:
                        throw new DirectiveException(i + 1,
                            $"magic command '#!{m.Groups["magic"].Value}' is not supported: notebooks use only #!csharp and #!markdown so they run the same in the kernel and in nbkit.");
                }
            }
        }
        result.Code = string.Join("\n", lines);
        return result;
    }
}

public sealed class DirectiveException(int line, string message) : Exception(message)
{
    public int Line { get; } = line;
}
