namespace NotebookKit.Data;

/// <summary>Finds the kit's <c>data/</c> folder: <c>NOTEBOOKKIT_DATA</c>, else the nearest <c>data/</c> above the working directory or the kit.</summary>
public static class DataFiles
{
    public const string EnvironmentVariable = "NOTEBOOKKIT_DATA";

    public static string Locate(string fileName)
    {
        var searched = new List<string>();
        foreach (var dir in CandidateFolders())
        {
            string path = Path.Combine(dir, fileName);
            if (File.Exists(path)) return path;
            searched.Add(dir);
        }
        throw new FileNotFoundException(
            $"Data file '{fileName}' not found. Looked in: {string.Join(", ", searched.Distinct())}. " +
            $"Set {EnvironmentVariable} to the kit's data folder, or run from inside the repository.", fileName);
    }

    static IEnumerable<string> CandidateFolders()
    {
        var configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(configured)) yield return configured;
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory, Path.GetDirectoryName(typeof(DataFiles).Assembly.Location) })
        {
            for (var dir = string.IsNullOrEmpty(start) ? null : new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "data");
                if (Directory.Exists(candidate)) yield return candidate;
            }
        }
    }
}
