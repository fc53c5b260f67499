using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
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

    static Process Start(params string[] args) => Start(new Dictionary<string, string>(), args);

    static Process Start(IDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (name, value) in environment) start.Environment[name] = value;
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

    [DllImport("libc", SetLastError = true)] static extern int kill(int pid, int signal);
    const int SigHup = 1, SigTerm = 15;

    static async Task WaitForBanner(Process server)
    {
        var until = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < until)
        {
            var line = await server.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(90));
            if (line is null || line.Contains("POST /predict")) return;
        }
    }

    /// <summary>SIGTERM under load: in-flight requests finish (every answer is a 200), the process exits 0 within 5 s;
    /// SIGHUP before it reloads instead of killing the process.</summary>
    [Fact]
    public async Task Sigterm_under_load_drains_and_exits_0_within_5_s_and_sighup_does_not_kill()
    {
        string url = $"http://127.0.0.1:{FreePort()}";
        using var server = Start("--model", Package, "--urls", url);
        try
        {
            await WaitForBanner(server);
            using var client = new HttpClient { BaseAddress = new Uri(url) };
            Assert.Equal(200, (await Bodies.Post(client, "/predict", Bodies.Predict(Models.Rows[0]))).Status);
            Assert.Equal(0, kill(server.Id, SigHup));
            await Task.Delay(1000);
            Assert.False(server.HasExited, "SIGHUP killed the server");

            int ok = 0, bad = 0;
            using var stop = new CancellationTokenSource();
            var load = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    try
                    {
                        var (status, _) = await Bodies.Post(client, "/predict", Bodies.Predict(Models.Rows[0]));
                        if (status == 200) Interlocked.Increment(ref ok); else Interlocked.Increment(ref bad);
                    }
                    catch (HttpRequestException) { await Task.Delay(10); } // refused once the listener is closed
                }
            })).ToArray();
            await Task.Delay(1000);
            var signalled = Stopwatch.StartNew();
            Assert.Equal(0, kill(server.Id, SigTerm));
            Assert.True(server.WaitForExit(5000), "still running 5 s after SIGTERM");
            Assert.True(signalled.Elapsed < TimeSpan.FromSeconds(5));
            stop.Cancel();
            await Task.WhenAll(load);
            Assert.Equal(0, server.ExitCode);
            Assert.Equal(0, bad);
            Assert.True(ok > 20, $"only {ok} requests before the signal");
        }
        finally
        {
            if (!server.HasExited) server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task Operator_mistakes_exit_with_one_line_and_a_documented_code()
    {
        using var busy = new TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        int port = ((IPEndPoint)busy.LocalEndpoint).Port;
        var cases = new (string[] Args, int Code, string Says)[]
        {
            (["--model", Package, "--urls", $"http://127.0.0.1:{port}"], 4, "cannot listen"),
            (["--model", Package, "--urls", "http://example.com:8080"], 2, "not an IP address"),
            (["--model", Package, "--urls", "127.0.0.1:8080"], 2, "URL"),
            (["--model", Package, "--threads", "0"], 2, "--threads"),
            (["--model", Package, "--max-body-bytes", "99999999999999"], 2, "MaxBodyBytes"),
            (["--model", Package, "--urls", $"http://127.0.0.1:{FreePort()}", "--log", "/proc/nbkit/requests.jsonl"], 3, "error:"),
        };
        foreach (var (args, code, says) in cases)
        {
            using var server = Start(args);
            var error = await server.StandardError.ReadToEndAsync();
            await server.WaitForExitAsync();
            Assert.True(code == server.ExitCode, $"{string.Join(' ', args)}: exit {server.ExitCode}, {error}");
            Assert.StartsWith("error: ", error);
            Assert.Contains(says, error);
            Assert.DoesNotContain("   at ", error); // no stack trace
        }
    }

    /// <summary>An https URL without --cert and without a development certificate (a fresh HOME has none): exit 3 and
    /// one line naming the certificate, not an abort with a stack trace.</summary>
    [Fact]
    public async Task Https_without_a_certificate_exits_3_with_one_line()
    {
        var home = Directory.CreateTempSubdirectory("nbkit-home-").FullName;
        try
        {
            using var server = Start(new Dictionary<string, string> { ["HOME"] = home }, "--model", Package, "--urls", $"https://127.0.0.1:{FreePort()}");
            var error = await server.StandardError.ReadToEndAsync();
            await server.WaitForExitAsync();
            Assert.True(server.ExitCode == 3, $"exit {server.ExitCode}: {error}");
            var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            Assert.StartsWith("error: ", line);
            Assert.Contains("certificate", line);
        }
        finally { Directory.Delete(home, true); }
    }
}
