using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using NotebookKit.Export;

namespace NotebookKit.Serving.Tests;

/// <summary>The server as users start it: its own process, from the command line.</summary>
public sealed class CommandLineTests : IDisposable
{
    readonly string dir = Path.Combine(Path.GetTempPath(), $"nbkit-cli-{Guid.NewGuid():N}");
    string Package => Path.Combine(dir, "cancer");
    string Reference => Path.Combine(dir, "train.csv");

    public CommandLineTests()
    {
        var data = Models.Data;
        var scaler = new NotebookKit.Data.StandardScaler().Fit(data.Features);
        using var module = Models.Module();
        ModelPackage.Save(Package, module, null, InputSchema.Float32(data.FeatureNames), Preprocessing.FromScaler(scaler), data.ClassNames, name: "cancer");
        // A training export as users have one: a label column first, the features in reverse order.
        var header = new[] { "diagnosis" }.Concat(data.FeatureNames.Reverse()).Select(n => $"\"{n}\"");
        var lines = Models.Rows.Select((r, i) => string.Join(',', new[] { data.LabelArray()[i].ToString(CultureInfo.InvariantCulture) }
            .Concat(r.Reverse().Select(v => v.ToString("R", CultureInfo.InvariantCulture)))));
        File.WriteAllLines(Reference, lines.Prepend(string.Join(',', header)));
    }

    public void Dispose() { try { Directory.Delete(dir, true); } catch (IOException) { } }

    static Process Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "NotebookKit.Serving.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        return Process.Start(start)!;
    }

    static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    [Fact]
    public async Task The_server_command_monitors_drift_against_a_reference_csv()
    {
        string url = $"http://127.0.0.1:{FreePort()}";
        using var server = Start("--model", Package, "--reference", Reference, "--urls", url, "--drift-window", "150", "--drift-min-rows", "100");
        try
        {
            var banner = new List<string>();
            var ready = DateTime.UtcNow.AddSeconds(90);
            while (!banner.Any(l => l.Contains("drift against")) && DateTime.UtcNow < ready)
            {
                var line = await server.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(90));
                if (line is null) break;
                banner.Add(line);
            }
            Assert.Contains(banner, l => l.Contains($"drift against {Models.Rows.Length} reference rows"));

            using var client = new HttpClient { BaseAddress = new Uri(url) };
            // Live traffic 1.5x the training inputs: every feature's distribution moves.
            var shifted = Models.Rows.Take(150).Select(r => r.Select(v => v * 1.5f).ToArray()).ToArray();
            var (status, _) = await Bodies.Post(client, "/v2/models/cancer/infer", Bodies.Infer(shifted));
            Assert.Equal(200, status);
            var drift = JsonNode.Parse(await client.GetStringAsync("/v2/models/cancer/drift"))!;
            Assert.True((bool)drift["enabled"]!);
            Assert.Equal(150, (int)drift["window_rows"]!);
            Assert.True((bool)drift["alert"]!);
            Assert.Equal(30, drift["features"]!.AsArray().Count);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task A_reference_without_a_feature_column_stops_the_server_with_its_name()
    {
        var lines = File.ReadAllLines(Reference);
        var header = lines[0].Split(',');
        int drop = Array.IndexOf(header, "\"mean radius\"");
        File.WriteAllLines(Reference, lines.Select(l => string.Join(',', l.Split(',').Where((_, i) => i != drop))));
        using var server = Start("--model", Package, "--reference", Reference, "--urls", $"http://127.0.0.1:{FreePort()}");
        var error = await server.StandardError.ReadToEndAsync();
        await server.WaitForExitAsync();
        Assert.Equal(3, server.ExitCode);
        Assert.Contains("lacks the feature column 'mean radius'", error);
    }

    [Theory]
    [InlineData("--reference", "x.csv", "--model", "pkg")]
    [InlineData("--model", "pkg", "--drift-window", "50", "--drift-min-rows", "80")]
    [InlineData("--model", "pkg", "--ks-alpha", "1.5")]
    public async Task Bad_options_print_the_problem_and_the_usage(params string[] args)
    {
        using var server = Start(args);
        var error = await server.StandardError.ReadToEndAsync();
        await server.WaitForExitAsync();
        Assert.Equal(2, server.ExitCode);
        Assert.StartsWith("error: ", error);
        Assert.Contains("usage:", error);
    }
}
