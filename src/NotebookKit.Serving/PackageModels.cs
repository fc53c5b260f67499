namespace NotebookKit.Serving;

/// <summary>Serves model packages written by NotebookKit.Export (checksums verified on load).</summary>
public static class PackageModels
{
    public static ServedModel Load(string packageDir, string? backend = null, string? name = null) =>
        throw new NotSupportedException("Loading packages needs NotebookKit.Export (merged from the export branch).");
}
