using NotebookKit.Setup;
using TorchSharp;

namespace NotebookKit.Tests.Setup;

public class DevicesTests
{
    [Fact]
    public void Without_a_choice_CUDA_is_used_when_available_else_CPU()
    {
        Assert.Equal(DeviceType.CUDA, Devices.Choose(null, cudaAvailable: true).type);
        // Index 0 as CUDA tensors report it, so moving a module that is already there copies nothing.
        Assert.Equal(0, Devices.Choose(null, cudaAvailable: true).index);
        Assert.Equal(0, Devices.Choose("cuda", cudaAvailable: true).index);
        Assert.Equal(DeviceType.CPU, Devices.Choose(null, cudaAvailable: false).type);
        Assert.Equal(DeviceType.CPU, Devices.Choose("  ", cudaAvailable: false).type);
    }

    [Fact]
    public void A_forced_choice_wins_and_is_case_insensitive()
    {
        Assert.Equal(DeviceType.CPU, Devices.Choose("CPU", cudaAvailable: true).type);
        Assert.Equal(DeviceType.CUDA, Devices.Choose("cuda", cudaAvailable: true).type);
    }

    [Fact]
    public void Forcing_cuda_without_a_GPU_is_a_clear_error_naming_the_package_to_use()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Devices.Choose("cuda", cudaAvailable: false));
        Assert.Contains("NOTEBOOKKIT_DEVICE=cuda", e.Message);
        Assert.Contains("TorchSharp-cuda", e.Message);
    }

    [Fact]
    public void An_unknown_device_name_is_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => Devices.Choose("tpu", cudaAvailable: false));
        Assert.Contains("'tpu'", e.Message);
    }

    [Fact]
    public void On_this_machine_the_chosen_device_matches_what_TorchSharp_reports()
    {
        Kit.ApplyNativeFix();
        var expected = torch.cuda.is_available() ? DeviceType.CUDA : DeviceType.CPU;
        Assert.Equal(expected, Devices.Choose(null, torch.cuda.is_available()).type);
    }

    [Fact]
    public void The_CUDA_package_line_names_the_platform_package_and_version()
    {
        var line = NativeGpu.CudaPackageLine("0.107.0");
        Assert.Matches(@"^#r ""nuget: TorchSharp-cuda-(windows|linux), 0\.107\.0""$", line);
    }
}
