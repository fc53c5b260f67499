using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using static NotebookKit.Jupyter.Tests.Jupyter;

namespace NotebookKit.Jupyter.Tests;

/// <summary>The kernelspec scripts/install-kernel.sh installs: the kernel the notebooks name, kept off the network.</summary>
public class KernelspecTests
{
    static readonly TimeSpan KernelStart = TimeSpan.FromMinutes(6);

    [Fact]
    public void Kernelspec_is_the_one_the_notebooks_name_and_runs_the_pinned_local_tool()
    {
        var spec = JsonNode.Parse(File.ReadAllText(Path.Combine(KitJupyterPath, "kernels", KernelName, "kernel.json")))!;
        var argv = spec["argv"]!.AsArray().Select(a => a!.GetValue<string>()).ToArray();
        Assert.Equal(["dotnet", "tool", "run", "dotnet-interactive", "--", "jupyter"], argv[..6]);
        Assert.Contains("--http-local-only", argv);
        Assert.Equal("{connection_file}", argv[^1]);
        foreach (var notebook in Directory.GetFiles(Notebooks, "*.ipynb"))
        {
            var kernelspec = JsonNode.Parse(File.ReadAllText(notebook))!["metadata"]!["kernelspec"]!;
            Assert.Equal(KernelName, kernelspec["name"]!.GetValue<string>());
            Assert.Equal(spec["display_name"]!.GetValue<string>(), kernelspec["display_name"]!.GetValue<string>());
        }
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoRoot, ".config", "dotnet-tools.json")))!;
        Assert.Equal("1.0.712001", manifest["tools"]!["microsoft.dotnet-interactive"]!["version"]!.GetValue<string>());
    }

    [Fact]
    public void Installing_twice_gives_the_same_kernelspec()
    {
        var file = Path.Combine(KitJupyterPath, "kernels", KernelName, "kernel.json");
        var first = File.ReadAllText(file);
        var again = Run("bash", [Path.Combine(RepoRoot, "scripts", "install-kernel.sh"), "--dir",
            Path.Combine(KitJupyterPath, "kernels")], TimeSpan.FromMinutes(5));
        Assert.True(again.Exit == 0, again.All);
        Assert.Equal(first, File.ReadAllText(file));
        Assert.Equal(["kernel.json", "logo-32x32.png", "logo-64x64.png"],
            Directory.GetFiles(Path.GetDirectoryName(file)!).Select(f => Path.GetFileName(f)).Order().ToArray());
    }

    [Fact]
    public void Nothing_the_kernel_opens_listens_beyond_loopback()
    {
        var run = RunScript(KitJupyterPath, KernelStart, "listeners.py", KernelName, Notebooks);
        Assert.True(run.Exit == 0, run.All);
        var summary = run.Summary;
        // The kernel's own HTTP server and its ZeroMQ channels must be seen, or the probe proves nothing.
        Assert.True(summary["listening"]!.AsArray().Count >= 2, run.All);
        Assert.Empty(summary["beyond_loopback"]!.AsArray());
    }

    [Fact]
    public void The_released_kernelspec_would_listen_beyond_loopback_where_the_machine_has_an_address()
    {
        // The control for the test above: the same probe on the kernelspec the tool installs by itself.
        var external = NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Any(a => a.Address.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6);
        var run = RunScript(ReleasedJupyterPath, KernelStart, "listeners.py", KernelName, Notebooks);
        Assert.True(run.Exit == 0, run.All);
        var outside = run.Summary["beyond_loopback"]!.AsArray();
        if (external) Assert.NotEmpty(outside);
        else Assert.Empty(outside);
    }
}
