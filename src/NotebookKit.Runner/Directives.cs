using System.Text.RegularExpressions;

namespace NotebookKit.Runner;

/// <summary>The notebook directives the runner reads, parsed one way by the checker and the exporter.</summary>
public static partial class Directives
{
    /// <summary>A line <c>#r "nuget: Id, Version"</c> (the version optional): groups <c>id</c> and <c>version</c>.</summary>
    [GeneratedRegex("""^\s*#r\s+"nuget:\s*(?<id>[^,"\s]+)\s*(,\s*(?<version>[^"\s]*))?\s*"\s*$""", RegexOptions.Multiline)]
    public static partial Regex NugetReference();
}
