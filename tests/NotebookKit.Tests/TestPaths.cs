namespace NotebookKit.Tests;

static class TestPaths
{
    /// <summary>The repository root: the folder above the test binaries that holds NotebookKit.sln.</summary>
    public static string RepoRoot { get; } = FindRoot();

    public static string Data(string file) => Path.Combine(RepoRoot, "data", file);

    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "NotebookKit.sln"))) return dir.FullName;
        throw new InvalidOperationException("NotebookKit.sln not found above " + AppContext.BaseDirectory);
    }
}
