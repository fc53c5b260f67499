using Xunit.Abstractions;
using static NotebookKit.Jupyter.Tests.Jupyter;

namespace NotebookKit.Jupyter.Tests;

/// <summary>
/// Every notebook, fast, through Debian's nbclient on the kit's Jupyter kernel: what JupyterLab and VS Code's Jupyter
/// extension run. Any error output, stderr text, compiler warning or non-loopback listener fails the notebook.
/// Executed copies land in artifacts/jupyter/notebooks.
/// </summary>
public class NotebooksTests(ITestOutputHelper output)
{
    // Fast mode is well under 2 minutes per notebook on 2 cores; the kernel's start and package restore add to that.
    static readonly TimeSpan PerNotebook = TimeSpan.FromMinutes(8);
    const int CellTimeoutSeconds = 300;

    public static TheoryData<string> Series() =>
        new(Directory.GetFiles(Notebooks, "*.ipynb").Select(f => Path.GetFileName(f)).Order());

    [Theory]
    [MemberData(nameof(Series))]
    public void Notebook_runs_fast_through_nbclient_with_no_error_or_warning(string notebook)
    {
        var executed = Path.Combine(RepoRoot, "artifacts", "jupyter", "notebooks", notebook);
        var run = RunScript(KitJupyterPath, PerNotebook, "run_notebook.py",
            Path.Combine(Notebooks, notebook), executed, KernelName, CellTimeoutSeconds.ToString());
        var summary = run.Summary;
        output.WriteLine($"{notebook}: {summary["seconds"]} s through nbclient (kernel start {
            summary["kernel_start_seconds"]} s, first cell {summary["first_cell_seconds"]} s); executed copy {executed}");
        Assert.True(run.Exit == 0, $"{notebook} failed through nbclient (executed copy: {executed}):\n" +
            string.Join("\n", summary["problems"]!.AsArray().Select(p => $"cell {p!["cell"]} {p["kind"]}: {p["text"]}")));
    }
}
