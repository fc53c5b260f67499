using TorchSharp;

namespace NotebookKit.Setup;

/// <summary>
/// The one place that decides where tensors live: CUDA when available, else CPU.
/// <c>NOTEBOOKKIT_DEVICE=cpu|cuda</c> forces a choice; a forced <c>cuda</c> without a usable GPU is an error.
/// CUDA means <c>cuda:0</c> with its index spelled out: tensors report index 0, and TorchSharp compares indexes, so a
/// bare <c>cuda</c> (index −1) would make <c>module.to(Kit.Device)</c> rebuild parameters that are already there.
/// </summary>
public static class Devices
{
    public const string EnvironmentVariable = "NOTEBOOKKIT_DEVICE";
    static torch.Device Cuda => new(DeviceType.CUDA, 0);

    /// <summary>Chooses the device. <paramref name="cudaAvailable"/> is injectable so the rule can be tested without a GPU.</summary>
    public static torch.Device Choose(string? forced, bool cudaAvailable)
    {
        var choice = string.IsNullOrWhiteSpace(forced) ? null : forced.Trim().ToLowerInvariant();
        switch (choice)
        {
            case null:
                return cudaAvailable ? Cuda : new torch.Device(DeviceType.CPU);
            case "cpu":
                return new torch.Device(DeviceType.CPU);
            case "cuda":
                if (!cudaAvailable)
                    throw new InvalidOperationException(
                        $"{EnvironmentVariable}=cuda, but no CUDA device is usable: either no NVIDIA GPU/driver is present or the " +
                        "CPU backend is loaded. Reference TorchSharp-cuda-windows or TorchSharp-cuda-linux instead of TorchSharp-cpu, " +
                        $"or unset {EnvironmentVariable}.");
                return Cuda;
            default:
                throw new ArgumentException(
                    $"{EnvironmentVariable} must be 'cpu' or 'cuda', not '{forced}'.", nameof(forced));
        }
    }

    /// <summary>Chooses the device from the environment and what TorchSharp reports.</summary>
    public static torch.Device Choose() =>
        Choose(System.Environment.GetEnvironmentVariable(EnvironmentVariable), torch.cuda.is_available());
}
