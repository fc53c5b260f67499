using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace NotebookKit.Runner;

/// <summary>
/// Writes a notebook as a .NET 10 file-based app (<c>dotnet run name.cs</c>): its code cells in order as top-level
/// statements, <c>#r "nuget:"</c> as <c>#:package</c>, the kit's assemblies as <c>#:project</c> references, each
/// cell's trailing expression and every <c>display(...)</c> shown on the console and collected into one HTML page.
/// The parameters are set as <c>nbkit run</c> sets them (<c>--fast</c> by default).
/// </summary>
public static partial class NotebookExporter
{
    // The assemblies notebooks #r from artifacts/, and the projects that build them.
    static readonly Dictionary<string, string> KitProjects = new(StringComparer.Ordinal)
    {
        ["NotebookKit.dll"] = "src/NotebookKit",
        ["NotebookKit.Serving.dll"] = "src/NotebookKit.Serving",
    };

    /// <summary>Exports <paramref name="notebookPath"/> to <paramref name="outDir"/>/name.cs; returns that path.</summary>
    public static string Export(string notebookPath, string outDir, RunOptions run)
    {
        var notebook = Notebook.Load(notebookPath);
        string name = Path.GetFileNameWithoutExtension(notebookPath);
        string notebookDir = Path.GetDirectoryName(Path.GetFullPath(notebookPath))!;
        Directory.CreateDirectory(outDir);
        string outFile = Path.Combine(Path.GetFullPath(outDir), name + ".cs");
        string outFolder = Path.GetDirectoryName(outFile)!;

        var directives = new List<string>();
        var usings = new List<string>();
        var body = new StringBuilder();
        var types = new StringBuilder();
        int cellNumber = 0;
        foreach (var cell in notebook.Cells)
        {
            cellNumber++;
            if (cell is null || Notebook.CellType(cell) != "code") continue;
            var (code, cellDirectives) = SplitDirectives(Notebook.Source(cell), $"{name}, cell {cellNumber}",
                notebookDir, outFolder);
            foreach (var d in cellDirectives) if (!directives.Contains(d)) directives.Add(d);
            body.Append($"\n// ---- cell {cellNumber}\n");
            AppendCell(code, body, usings, types);
            if (Notebook.Tags(cell).Contains("parameters"))
            {
                var (injected, error) = NotebookExecutor.InjectParameters(code, run);
                if (error is not null) throw new InvalidDataException($"{name}: {error}");
                if (injected is not null) body.Append(injected).Append('\n');
            }
        }

        string relativeNotebookDir = Path.GetRelativePath(outFolder, notebookDir).Replace('\\', '/');
        var file = new StringBuilder();
        file.Append($"// {name}, exported by `nbkit export` from {Path.GetFileName(notebookPath)}.\n");
        file.Append($"// Run: dotnet run {name}.cs   (console output; tables and charts go to {name}.html)\n");
        foreach (var d in directives) file.Append(d).Append('\n');
        // The notebooks' own conventions, not the repository's: no nullable context, package versions pinned here.
        file.Append("#:property Nullable=disable\n#:property ManagePackageVersionsCentrally=false\n");
        // JIT, not native AOT (a file-based app's default): the kit serialises charts with reflection-based JSON.
        file.Append("#:property PublishAot=false\n");
        file.Append("#:property NoWarn=$(NoWarn);CS1701;CS8321\n\n");
        foreach (var u in usings) file.Append(u).Append('\n');
        file.Append($"\nNotebookKit.Display.ExportedNotebook.Start(Path.Combine(ExportedFrom.Folder(), \"{relativeNotebookDir}\"),\n");
        file.Append($"    \"{name}\", Path.Combine(ExportedFrom.Folder(), \"{name}.html\"));\n");
        file.Append(body);
        file.Append("\nNotebookKit.Display.ExportedNotebook.WritePage();\n\n");
        file.Append("static object display(object value) => NotebookKit.Display.ExportedNotebook.Display(value);\n\n");
        file.Append("static class ExportedFrom\n{\n");
        file.Append("    public static string Folder([System.Runtime.CompilerServices.CallerFilePath] string path = \"\") =>\n");
        file.Append("        Path.GetDirectoryName(path)!;\n}\n");
        file.Append(types);
        File.WriteAllText(outFile, file.ToString());
        return outFile;
    }

    /// <summary>The cell's code without its directives, and the file-based app directives they become.</summary>
    static (string Code, List<string> Directives) SplitDirectives(string source, string where, string notebookDir,
        string outFolder)
    {
        var code = new StringBuilder();
        var directives = new List<string>();
        foreach (var line in source.Split('\n'))
        {
            var trimmed = line.Trim();
            if (Directives.NugetReference().Match(trimmed) is { Success: true } nuget)
            {
                var version = nuget.Groups["version"].Value;
                directives.Add($"#:package {nuget.Groups["id"].Value}@{(version.Length > 0 ? version : "*")}");
            }
            else if (AssemblyReference().Match(trimmed) is { Success: true } assembly)
            {
                string file = Path.GetFileName(assembly.Groups["path"].Value);
                if (!KitProjects.TryGetValue(file, out var project))
                    throw new InvalidDataException($"{where}: cannot export '#r \"{assembly.Groups["path"].Value}\"'; "
                        + "a file-based app references packages and projects, not loose assemblies.");
                var projectDir = Path.Combine(FindRepoRoot(notebookDir), project);
                directives.Add($"#:project {Path.GetRelativePath(outFolder, projectDir).Replace('\\', '/')}");
            }
            else if (trimmed.StartsWith("#!") || trimmed.StartsWith("#r ") || trimmed.StartsWith("#i "))
                throw new InvalidDataException($"{where}: cannot export the kernel directive '{trimmed}'.");
            else code.Append(line).Append('\n');
        }
        return (code.ToString(), directives);
    }

    /// <summary>
    /// Splits one cell into usings (hoisted to the top), type declarations (moved after the statements, as C# asks of
    /// a file with top-level statements) and statements; a trailing expression is displayed as the kernel would.
    /// </summary>
    static void AppendCell(string code, StringBuilder body, List<string> usings, StringBuilder types)
    {
        var root = (CompilationUnitSyntax)CSharpSyntaxTree.ParseText(code,
            new CSharpParseOptions(LanguageVersion.Latest, kind: SourceCodeKind.Script)).GetRoot();
        foreach (var u in root.Usings)
        {
            var text = u.WithoutTrivia().ToFullString();
            if (!usings.Contains(text)) usings.Add(text);
        }
        var members = root.Members;
        for (int i = 0; i < members.Count; i++)
        {
            var member = members[i];
            if (member is BaseTypeDeclarationSyntax or DelegateDeclarationSyntax)
            {
                types.Append('\n').Append(member.ToFullString().Trim()).Append('\n');
                continue;
            }
            bool last = i == members.Count - 1;
            if (last && member is GlobalStatementSyntax { Statement: ExpressionStatementSyntax expression }
                && expression.SemicolonToken.IsMissing)
            {
                body.Append(expression.GetLeadingTrivia().ToFullString().TrimStart('\n'));
                body.Append("display(").Append(expression.Expression.WithoutTrivia().ToFullString()).Append(");\n");
                continue;
            }
            body.Append(member.ToFullString().TrimEnd()).Append('\n');
        }
    }

    static string FindRepoRoot(string from)
    {
        for (var dir = new DirectoryInfo(from); dir is not null; dir = dir.Parent)
            if (Directory.Exists(Path.Combine(dir.FullName, "src", "NotebookKit"))) return dir.FullName;
        throw new InvalidDataException($"{from} is not inside the NotebookKit repository (no src/NotebookKit above it).");
    }

    [GeneratedRegex("""^#r\s+"(?<path>[^"]+\.dll)"\s*$""")]
    private static partial Regex AssemblyReference();
}
