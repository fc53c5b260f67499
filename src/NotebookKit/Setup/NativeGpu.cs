using System.Diagnostics;

namespace NotebookKit.Setup;

/// <summary>
/// Looks for an NVIDIA GPU without TorchSharp, so the kit can tell a user with a GPU that the CPU backend is loaded.
/// </summary>
public static class NativeGpu
{
    /// <summary>The GPU name from nvidia-smi, or null when there is none (or no driver).</summary>
    public static string? DetectName()
    {
        try
        {
            var start = new ProcessStartInfo("nvidia-smi", "--query-gpu=name --format=csv,noheader")
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            using var process = Process.Start(start);
            if (process is null) return null;
            string output = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(5000) || process.ExitCode != 0) return null;
            var first = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
            return string.IsNullOrEmpty(first) ? null : first;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // nvidia-smi is not installed
        }
    }

    /// <summary>The package line a notebook should use on this operating system to train on CUDA.</summary>
    public static string CudaPackageLine(string torchSharpVersion) =>
        OperatingSystem.IsWindows()
            ? $"#r \"nuget: TorchSharp-cuda-windows, {torchSharpVersion}\""
            : $"#r \"nuget: TorchSharp-cuda-linux, {torchSharpVersion}\"";
}
