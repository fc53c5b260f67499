using Microsoft.Data.Analysis;
using Microsoft.DotNet.Interactive.Formatting;
using NotebookKit.Setup;
using TorchSharp;

namespace NotebookKit.Tests.Setup;

public class KitSetupTests
{
    [Fact]
    public void Setup_seeds_torch_so_the_same_seed_gives_the_same_numbers()
    {
        Kit.Setup(seed: 7);
        var first = torch.rand(5).data<float>().ToArray();
        var firstNet = Kit.Random.Next();
        Kit.Setup(seed: 7);
        Assert.Equal(first, torch.rand(5).data<float>().ToArray());
        Assert.Equal(firstNet, Kit.Random.Next());
        Kit.Setup(seed: 8);
        Assert.NotEqual(first, torch.rand(5).data<float>().ToArray());
    }

    [Fact]
    public void The_environment_report_names_versions_device_threads_and_seed()
    {
        var report = Kit.Setup(seed: 42);
        Assert.Equal("0.107.0", report.TorchSharp);
        Assert.StartsWith("2.10", report.LibTorch);
        Assert.Equal(42, report.Seed);
        Assert.True(report.Threads >= 1);
        var html = report.ToDisplayString("text/html");
        foreach (var item in new[] { "OS", ".NET", "TorchSharp", "libtorch", "device", "threads", "seed" })
            Assert.Contains($"<td>{item}</td>", html);
    }

    [Fact]
    public void Setup_registers_an_html_table_formatter_for_DataFrame()
    {
        Kit.Setup();
        var frame = new DataFrame(new PrimitiveDataFrameColumn<int>("a", Enumerable.Range(0, 20)), new StringDataFrameColumn("b", Enumerable.Range(0, 20).Select(i => "s" + i)));
        var html = frame.ToDisplayString("text/html");
        Assert.Contains("20 rows &times; 2 columns", html);
        Assert.Contains("<th>a</th>", html);
        Assert.Contains("<i>int</i>", html);
        Assert.Contains("<td>s0</td>", html);   // head
        Assert.Contains("<td>s19</td>", html);  // tail
        Assert.DoesNotContain("<td>s10</td>", html); // middle elided
    }
}
