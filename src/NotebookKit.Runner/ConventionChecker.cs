using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace NotebookKit.Runner;

/// <summary>Checks a notebook against the kit's conventions (shared/guides/NOTEBOOKS.md). Returns one line per problem.</summary>
public static partial class ConventionChecker
{
    [GeneratedRegex("""\]\((?<target>[^)#\s]+\.ipynb)(#[^)]*)?\)""")]
    private static partial Regex NotebookLink();
    [GeneratedRegex("""^\s*(?:(?:var|int|long|double|float|bool|string|decimal)\s+[A-Za-z_]\w*\s*=\s*[^;]+;\s*(//.*)?|//.*|)\s*$""")]
    private static partial Regex SimpleAssignment();

    [GeneratedRegex("""^\s*var\s+size\s*=\s*"(?<size>[^"]*)"\s*;""", RegexOptions.Multiline)]
    private static partial Regex SizeDeclaration();
    [GeneratedRegex("""^//\s*long cell:\s*\S""")]
    private static partial Regex LongCellReason();
    // torch.tensor / as_tensor: resolving TorchSharp's overload set (built for .NET 8) makes the kernel warn CS1701.
    [GeneratedRegex("""(?<![\w.])(?:torch\.)?(?:as_)?tensor\(""")]
    private static partial Regex TensorFactory();

    public const int MaxCellLines = 15;
    public const int MaxLineLength = 110;
    static readonly string[] Sizes = ["fast", "workshop", "full"];

    public static IReadOnlyList<string> Check(string path)
    {
        try
        {
            return Check(Notebook.Load(path));
        }
        catch (InvalidDataException e)
        {
            return [e.Message];
        }
    }

    public static IReadOnlyList<string> Check(Notebook notebook)
    {
        var problems = new List<string>();
        var path = notebook.Path;
        var root = notebook.Root;
        if (root["nbformat"]?.GetValue<int>() != 4 || root["nbformat_minor"]?.GetValue<int>() != 5)
            problems.Add("nbformat must be 4.5");
        var meta = root["metadata"];
        if (meta?["kernelspec"]?["name"]?.GetValue<string>() != ".net-csharp")
            problems.Add("metadata.kernelspec.name must be '.net-csharp'");
        if (meta?["language_info"]?["name"]?.GetValue<string>() != "polyglot-notebook")
            problems.Add("metadata.language_info.name must be 'polyglot-notebook'");
        if (meta?["polyglot_notebook"]?["kernelInfo"]?["defaultKernelName"]?.GetValue<string>() != "csharp")
            problems.Add("metadata.polyglot_notebook.kernelInfo.defaultKernelName must be 'csharp'");

        var ids = new HashSet<string>();
        int parameterCells = 0, number = 0;
        var markdown = new List<string>();
        var headings = new List<(string Heading, int Cell)>();
        var codeCellNumbers = new List<int>();
        foreach (var cell in notebook.Cells)
        {
            number++;
            if (cell is null) continue;
            var where = $"cell {number}";
            var id = cell["id"]?.GetValue<string>();
            if (string.IsNullOrEmpty(id)) problems.Add($"{where}: no id");
            else if (!ids.Add(id)) problems.Add($"{where}: duplicate id '{id}'");
            var source = Notebook.Source(cell);
            if (Notebook.CellType(cell) == "markdown")
            {
                markdown.Add(source);
                foreach (var line in source.Split('\n').Where(l => l.StartsWith("## ", StringComparison.Ordinal)))
                    headings.Add((line.Trim(), number));
                continue;
            }
            if (Notebook.CellType(cell) != "code") continue;
            codeCellNumbers.Add(number);
            var lines = source.Replace("\r\n", "\n").TrimEnd('\n').Split('\n');
            if (lines.Length > MaxCellLines && !LongCellReason().IsMatch(lines[0]))
                problems.Add($"{where}: {lines.Length} lines, over {MaxCellLines}: split it, move plumbing into the kit, "
                    + "or give the reason in a first line '// long cell: <reason>'");
            for (int i = 0; i < lines.Length; i++)
            {
                if (lines[i].Length > MaxLineLength)
                    problems.Add($"{where}, line {i + 1}: {lines[i].Length} characters, over {MaxLineLength}");
                if (TensorFactory().IsMatch(lines[i]))
                    problems.Add($"{where}, line {i + 1}: torch.tensor(...) makes the kernel warn CS1701; "
                        + "use Tensors.From(values), x.Rows(indices) or x.Columns(indices)");
            }
            if (cell["outputs"] is not JsonArray { Count: 0 }) problems.Add($"{where}: committed outputs (clear them)");
            if (cell["execution_count"] is not null) problems.Add($"{where}: execution_count must be null");
            if (cell["metadata"]?["dotnet_interactive"]?["language"]?.GetValue<string>() != "csharp")
                problems.Add($"{where}: metadata.dotnet_interactive.language must be 'csharp'");
            foreach (Match m in Directives.NugetReference().Matches(source))
                if (!m.Groups["version"].Success || m.Groups["version"].Value.Length == 0)
                    problems.Add($"{where}: #r \"nuget: {m.Groups["id"].Value}\" must pin a version");
            if (Notebook.Tags(cell).Contains("parameters"))
            {
                parameterCells++;
                var size = SizeDeclaration().Match(source);
                if (!size.Success)
                    problems.Add($"{where}: the parameters cell must declare var size = \"workshop\"; (fast, workshop or full)");
                else if (!Sizes.Contains(size.Groups["size"].Value))
                    problems.Add($"{where}: size \"{size.Groups["size"].Value}\" is not one of fast, workshop, full");
                foreach (var line in source.Split('\n'))
                    if (!SimpleAssignment().IsMatch(line))
                        problems.Add($"{where}: the parameters cell holds only simple assignments, not '{line.Trim()}'");
            }
        }
        if (parameterCells != 1) problems.Add($"needs exactly one cell tagged 'parameters', found {parameterCells}");

        var text = string.Join("\n", markdown);
        if (markdown.Count == 0 || !markdown[0].TrimStart().StartsWith("# ", StringComparison.Ordinal))
            problems.Add("the first cell must be markdown starting with an H1 title");
        foreach (var section in new[] { "In this notebook you will learn", "## Summary", "## Exercises", "## Solutions", "## Continue learning" })
            if (!text.Contains(section, StringComparison.Ordinal)) problems.Add($"missing section '{section}'");
        int HeadingCell(string heading) => headings.FirstOrDefault(h => h.Heading.StartsWith(heading, StringComparison.Ordinal)).Cell;
        int exercises = HeadingCell("## Exercises"), solutions = HeadingCell("## Solutions");
        if (exercises > 0 && solutions > 0 && solutions < exercises)
            problems.Add("'## Solutions' must come after '## Exercises'");
        if (solutions > 0 && !codeCellNumbers.Any(n => n > solutions))
            problems.Add("'## Solutions' has no code cells after it: solve each exercise in a cell that runs");
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        foreach (Match m in NotebookLink().Matches(text))
        {
            var target = m.Groups["target"].Value;
            if (target.Contains("://")) continue;
            if (!File.Exists(Path.Combine(folder, Uri.UnescapeDataString(target))))
                problems.Add($"link to '{target}' does not resolve");
        }
        return problems;
    }
}
