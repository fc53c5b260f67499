using System.Runtime.InteropServices;
using NotebookKit.Display;
using TorchSharp;

namespace NotebookKit.Setup;

/// <summary>What a notebook runs on: shown by the setup cell so every result can be traced to its environment.</summary>
[TypeFormatterSource(typeof(RichDisplayFormatterSource))]
public sealed class EnvironmentReport : IRichDisplay
{
    public required string OperatingSystem { get; init; }
    public required string DotNet { get; init; }
    public required string TorchSharp { get; init; }
    public required string LibTorch { get; init; }
    public required string DeviceDescription { get; init; }
    public required int Threads { get; init; }
    /// <summary>The <see cref="Setup.ThreadPolicy"/> in effect: thread count and how idle threads wait.</summary>
    public required string ThreadPolicy { get; init; }
    public required int Seed { get; init; }
    public required string NativeFix { get; init; }
    /// <summary>Set when a GPU is present but the CPU backend is loaded: the package line to use instead.</summary>
    public string? Advice { get; init; }

    internal static EnvironmentReport Collect(torch.Device device, int seed, IReadOnlyList<string> fix)
    {
        string? gpu = device.type == DeviceType.CUDA ? null : NativeGpu.DetectName();
        string torchSharpVersion = typeof(torch).Assembly.GetName().Version?.ToString(3) ?? "?";
        return new EnvironmentReport
        {
            OperatingSystem = RuntimeInformation.OSDescription,
            DotNet = RuntimeInformation.FrameworkDescription,
            TorchSharp = torchSharpVersion,
            LibTorch = torch.__version__,
            DeviceDescription = device.type == DeviceType.CUDA ? $"cuda ({torch.cuda.device_count()} GPU)" : "cpu",
            Threads = torch.get_num_threads(),
            ThreadPolicy = Setup.ThreadPolicy.Describe(),
            Seed = seed,
            NativeFix = fix.Count == 0 ? "not needed" : $"GLIBCXX_3.4.32 marked weak in libLibTorchSharp.so ({fix.Count} cop{(fix.Count == 1 ? "y" : "ies")})",
            Advice = gpu is null ? null
                : $"GPU '{gpu}' found but the CPU backend is loaded: use {NativeGpu.CudaPackageLine(torchSharpVersion)} instead of TorchSharp-cpu.",
        };
    }

    HtmlTable Table()
    {
        var table = new HtmlTable(["item", "value"], "NotebookKit environment");
        table.AddRow("OS", OperatingSystem).AddRow(".NET", DotNet).AddRow("TorchSharp", TorchSharp)
            .AddRow("libtorch", LibTorch).AddRow("device", DeviceDescription).AddRow("threads", ThreadPolicy)
            .AddRow("seed", Seed).AddRow("Debian libstdc++ fix", NativeFix);
        if (Advice is not null) table.AddRow("advice", Advice);
        return table;
    }

    public string ToHtml() => Table().ToHtml();
    public string ToPlainText() => Table().ToPlainText();
    public override string ToString() => ToPlainText();
}
