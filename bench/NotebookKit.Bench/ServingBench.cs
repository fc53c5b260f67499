using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using NotebookKit.Data;
using NotebookKit.Export;
using NotebookKit.Serving;
using NotebookKit.Serving.Client;
using NotebookKit.Training;
using TorchSharp;

namespace NotebookKit.Bench;

/// <summary>
/// Group "serving": wrk on loopback against the kit's model server as users start it (its own process, ONNX Runtime and
/// TorchSharp backends), beside the machine's HTTP floor (bare Kestrel answering a constant JSON body) and the seeds'
/// recipe (a scikit-learn model from joblib behind Flask's /predict, under Flask's own server and under gunicorn with
/// 2 workers). Same breast-cancer rows and JSON for all. Every server is up for the whole run and the cells are
/// interleaved (each concurrency and batch runs every server in turn), so a busy machine slows them alike; each cell
/// records the load average. Throughput and p50/p90/p99/p99.9/max per cell; the rows compare seconds per request.
/// </summary>
public sealed class ServingBench : IBenchmarkGroup
{
    public string Name => "serving";

    /// <summary>One cell: wrk's throughput, wrk's own p99 and its Little's-law check (mean latency x requests / (seconds x
    /// connections), at most 1 for a closed loop), then every request timed by <see cref="ClosedLoop"/>.</summary>
    sealed record Load(double RequestsPerSecond, double WrkP99Ms, double WrkLittle, LoadResult Timed, long Errors, double LoadAverage)
    {
        public double P50Ms => Timed.Percentile(0.5);
        public double P99Ms => Timed.Percentile(0.99);
    }

    public IEnumerable<BenchResult> Run(BenchOptions options)
    {
        if (!File.Exists("/usr/bin/wrk")) throw new InvalidOperationException("wrk is missing: apt-get install wrk");
        int seconds = options.Quick ? 2 : 5;
        int[] concurrencies = [1, 16, 64];
        int[] batches = [1, 32];
        var data = Datasets.BreastCancer(Path.Combine(options.RepoRoot, "data", "breast_cancer.csv"));
        var rows = data.FeatureRows();
        var bodies = batches.ToDictionary(b => b, b => "{\"rows\":[" + string.Join(",", rows.Skip(100).Take(b).Select(r => RowJson(r, data.FeatureNames))) + "]}");
        var work = Directory.CreateTempSubdirectory("nbkit-serving-bench-").FullName;
        var results = new Dictionary<(string Server, int C, int B), Load>();
        var servers = new List<(string Name, string Url, Func<int, int, bool> Measures)>();
        var processes = new List<Process>();
        WebApplication? floor = null;
        try
        {
            var package = Path.Combine(work, "package");
            SavePackage(package, data);
            // The HTTP floor of the machine: bare Kestrel answering a constant JSON body (no parsing, no model).
            floor = FloorServer();
            servers.Add((Floor, floor.Urls.First() + "/predict", (c, b) => b == 1));
            foreach (var backend in new[] { "onnx", "torch" })
            {
                int port = FreePort();
                processes.Add(StartKit(options, package, backend, port));
                servers.Add(($"kit ({backend})", $"http://127.0.0.1:{port}/predict", (c, b) => backend == "onnx" || c == 16));
            }
            // NBKIT_BENCH_BASELINE=<folder holding another build's NotebookKit.Serving.dll>: that build too, beside this one.
            if (Environment.GetEnvironmentVariable("NBKIT_BENCH_BASELINE") is { Length: > 0 } baseline)
            {
                int port = FreePort();
                processes.Add(StartKit(options, package, "onnx", port, Path.Combine(baseline, "NotebookKit.Serving.dll")));
                servers.Add(("kit (onnx) baseline", $"http://127.0.0.1:{port}/predict", (c, b) => b == 1));
            }
            var joblib = Path.Combine(work, "model.joblib");
            // Without flask/gunicorn (python3-flask, gunicorn) the kit and floor rows are still printed.
            try
            {
                RunPython(options, ["bench/anchors/serving_flask.py", "train", joblib], null);
                foreach (var (anchor, argv) in new (string, string[])[]
                {
                    ("flask", ["bench/anchors/serving_flask.py", "serve", "{port}"]),
                    ("gunicorn (2 workers)", ["-m", "gunicorn", "-w", "2", "-b", "127.0.0.1:{port}", "--chdir", "bench/anchors", "--log-level", "error", "serving_flask:app"]),
                })
                {
                    int port = FreePort();
                    processes.Add(StartPython(options, argv.Select(a => a.Replace("{port}", port.ToString(CultureInfo.InvariantCulture))).ToArray(), joblib));
                    servers.Add((anchor, $"http://127.0.0.1:{port}/predict", (c, b) => true));
                }
            }
            catch (InvalidOperationException e) { Console.WriteLine($"python anchors skipped: {e.Message}"); }

            foreach (var (name, url, _) in servers)
            {
                WaitUntilServing(url, bodies[1], processes);
                // Warm-up (JIT tiers, connection pools, first batches) at both ends of the range.
                Wrk(url, bodies[1], 1, options.Quick ? 1 : 3, work);
                Wrk(url, bodies[1], 16, options.Quick ? 1 : 3, work);
            }
            foreach (var b in batches)
                foreach (var c in concurrencies)
                    foreach (var (name, url, measures) in servers)
                        if (measures(c, b)) results[(name, c, b)] = Measure(url, bodies[b], c, seconds, work);
        }
        finally
        {
            foreach (var p in processes)
                try { p.Kill(entireProcessTree: true); p.WaitForExit(5000); p.Dispose(); } catch (InvalidOperationException) { }
            floor?.StopAsync().GetAwaiter().GetResult();
            try { Directory.Delete(work, true); } catch (IOException) { }
        }

        Console.WriteLine();
        Console.WriteLine($"POST /predict on loopback, {seconds} s of wrk -t2 then {seconds} s of the bench's closed loop per cell; rows/request = batch; " +
            "cells interleaved; requests/s and rows/s from wrk; p50-max from the closed loop, which times every request; " +
            "wrk p99 and wrk Little = wrk's own p99 and mean latency x requests / (seconds x connections), above 1 when wrk's " +
            "histogram is not one sample per request; load = 1-minute load average at the cell's end");
        Console.WriteLine();
        Console.WriteLine("| server | connections | batch | requests/s | rows/s | closed-loop requests/s | p50 | p90 | p99 | p99.9 | max | wrk p99 | wrk Little | errors | load |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var ((s, c, b), l) in results.OrderBy(r => r.Key.B).ThenBy(r => r.Key.C).ThenBy(r => r.Key.Server))
            Console.WriteLine($"| {s} | {c} | {b} | {l.RequestsPerSecond:0} | {l.RequestsPerSecond * b:0} | {l.Timed.RequestsPerSecond:0} | {Ms(l.P50Ms)} | " +
                $"{Ms(l.Timed.Percentile(0.9))} | {Ms(l.P99Ms)} | {Ms(l.Timed.Percentile(0.999))} | {Ms(l.Timed.Percentile(1))} | {Ms(l.WrkP99Ms)} | " +
                $"{l.WrkLittle:0.00} | {l.Errors} | {l.LoadAverage:0.0} |");
        Console.WriteLine();

        foreach (var ((s, c, b), l) in results.Where(r => r.Key.Server.StartsWith("kit") && !r.Key.Server.EndsWith("baseline")).OrderBy(r => r.Key.B).ThenBy(r => r.Key.C))
        {
            var g = results.GetValueOrDefault(("gunicorn (2 workers)", c, b));
            var f = results.GetValueOrDefault(("flask", c, b));
            yield return new BenchResult($"{s} c{c} batch {b}: s/request", 1 / l.RequestsPerSecond, g is null ? null : 1 / g.RequestsPerSecond, "gunicorn (2 workers)",
                $"kit {l.RequestsPerSecond:0} req/s p50 {l.P50Ms:0.00} p99 {l.P99Ms:0.00} ms; gunicorn {g?.RequestsPerSecond:0} req/s p99 {g?.P99Ms:0.00} ms; flask {f?.RequestsPerSecond:0} req/s p99 {f?.P99Ms:0.00} ms");
            if (b == 1 && results.GetValueOrDefault((Floor, c, 1)) is { } k)
                yield return new BenchResult($"{s} c{c} batch 1: s/request vs the HTTP floor", 1 / l.RequestsPerSecond, 1 / k.RequestsPerSecond, Floor,
                    $"kit {l.RequestsPerSecond / k.RequestsPerSecond:P0} of the floor; p99 kit {l.P99Ms:0.00} ms, floor {k.P99Ms:0.00} ms (ratio {l.P99Ms / k.P99Ms:0.0})");
        }
    }

    /// <summary>The server as users start it: <c>dotnet NotebookKit.Serving.dll --model ...</c>, so its own runtime
    /// settings (GC, threads) apply, one intra-op thread.</summary>
    static Process StartKit(BenchOptions options, string package, string backend, int port, string? dll = null)
    {
        dll ??= Directory.EnumerateFiles(Path.Combine(options.RepoRoot, "src", "NotebookKit.Serving", "bin", "Release"), "NotebookKit.Serving.dll", SearchOption.AllDirectories)
            .Where(f => File.Exists(Path.ChangeExtension(f, ".runtimeconfig.json"))).OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault()
            ?? throw new InvalidOperationException("build the server first: dotnet build src/NotebookKit.Serving -c Release");
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { dll, "--model", package, "--backend", backend, "--urls", $"http://127.0.0.1:{port}", "--threads", "1" }) start.ArgumentList.Add(a);
        var p = Process.Start(start)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine("kit: " + e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    const string Floor = "kestrel floor";

    static WebApplication FloorServer()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var answer = "{\"id\":\"f0\",\"predictions\":[{\"label\":\"benign\",\"class\":1}]}"u8.ToArray();
        app.MapPost("/predict", async (HttpContext ctx) =>
        {
            await ctx.Request.Body.CopyToAsync(Stream.Null); // reads the request as a server must
            ctx.Response.ContentType = "application/json";
            ctx.Response.ContentLength = answer.Length;
            await ctx.Response.Body.WriteAsync(answer);
        });
        app.StartAsync().GetAwaiter().GetResult();
        return app;
    }

    static void SavePackage(string dir, Dataset data)
    {
        torch.random.manual_seed(0);
        var scaler = new StandardScaler().Fit(data.Features);
        using var model = Models.LogisticRegression(data.FeatureCount, 2);
        Trainer.Fit(model, scaler.Transform(data.Features), data.Labels, (o, y) => torch.nn.functional.cross_entropy(o, y),
            torch.optim.Adam(model.parameters(), 0.05), new TrainOptions { Epochs = 20, BatchSize = 64, ProgressEvery = 0, Device = torch.CPU });
        ModelPackage.Save(dir, model, null, InputSchema.Float32(data.FeatureNames), Preprocessing.FromScaler(scaler), data.ClassNames, name: "breast-cancer");
    }

    static string RowJson(float[] row, IReadOnlyList<string> names)
    {
        var o = new JsonObject();
        for (int i = 0; i < row.Length; i++) o[names[i]] = row[i];
        return o.ToJsonString();
    }

    static string Ms(double ms) => ms.ToString(ms < 10 ? "0.000" : "0.00", CultureInfo.InvariantCulture) + " ms";

    static Load Measure(string url, string body, int connections, int seconds, string work)
    {
        var (rps, wrkP99, little, wrkErrors) = Wrk(url, body, connections, seconds, work);
        var timed = ClosedLoop.Run(new Uri(url), body, connections, TimeSpan.FromSeconds(seconds));
        double load = double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
        return new Load(rps, wrkP99, little, timed, wrkErrors + timed.Failures, load);
    }

    static (double RequestsPerSecond, double P99Ms, double Little, long Errors) Wrk(string url, string body, int connections, int seconds, string work)
    {
        var script = Path.Combine(work, $"post-{body.Length}.lua");
        File.WriteAllText(script, "wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.body = [==[" + body + "]==]\n" +
            "done = function(summary, latency, requests)\n  io.write(string.format(\"DIST %d %d %d\\n\", latency:percentile(99), latency.mean, " +
            "summary.requests))\nend\n");
        var start = new ProcessStartInfo("/usr/bin/wrk") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-t", Math.Min(2, connections).ToString(), "-c", connections.ToString(), "-d", seconds + "s", "--timeout", "5s", "-s", script, url })
            start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        double rps = double.Parse(Regex.Match(output, @"Requests/sec:\s+([0-9.]+)").Groups[1].Value, CultureInfo.InvariantCulture);
        long errors = 0;
        var non2xx = Regex.Match(output, @"Non-2xx or 3xx responses:\s+(\d+)");
        if (non2xx.Success) errors += long.Parse(non2xx.Groups[1].Value);
        var socket = Regex.Match(output, @"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)");
        if (socket.Success) errors += Enumerable.Range(1, 4).Sum(i => long.Parse(socket.Groups[i].Value));
        var d = Regex.Match(output, @"^DIST (\d+) (\d+) (\d+)", RegexOptions.Multiline);
        if (!d.Success) throw new InvalidOperationException("wrk printed no latency distribution: " + output);
        double Value(int i) => double.Parse(d.Groups[i].Value, CultureInfo.InvariantCulture);
        // Little's law for a closed loop: mean latency x requests / (seconds x connections) = mean latency x rate / connections <= 1.
        double little = Value(2) / 1e6 * rps / connections;
        return (rps, Value(1) / 1000, little, errors);
    }

    static int FreePort()
    {
        var l = new TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        int port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    static Process StartPython(BenchOptions options, string[] args, string? joblib)
    {
        var start = new ProcessStartInfo("/usr/bin/python3") { UseShellExecute = false, WorkingDirectory = options.RepoRoot, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        if (joblib is not null) start.Environment["NBKIT_JOBLIB"] = joblib;
        var p = Process.Start(start)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    static void RunPython(BenchOptions options, string[] args, string? joblib)
    {
        using var p = StartPython(options, args, joblib);
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"python {string.Join(' ', args)} failed ({p.ExitCode})");
    }

    static void WaitUntilServing(string url, string body, IReadOnlyList<Process> processes)
    {
        using var client = new HttpClient();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(120))
        {
            if (processes.FirstOrDefault(p => p.HasExited) is { } gone) throw new InvalidOperationException($"a server exited with {gone.ExitCode}");
            try
            {
                using var r = client.PostAsync(url, new StringContent(body, Encoding.UTF8, "application/json")).GetAwaiter().GetResult();
                if (r.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            Thread.Sleep(200);
        }
        throw new TimeoutException($"{url} did not answer within 120 s");
    }
}
