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
using NotebookKit.Training;
using TorchSharp;

namespace NotebookKit.Bench;

/// <summary>
/// Group "serving": wrk on loopback against the kit's model server (ONNX Runtime and TorchSharp backends) and, in the
/// same run, the seeds' recipe: a scikit-learn model from joblib behind Flask's /predict, under Flask's own server and
/// under gunicorn (2 workers). Same breast-cancer rows and JSON for all. Throughput and p50/p99 per concurrency and
/// batch size; the table rows compare seconds per request (1 / throughput) with gunicorn's.
/// </summary>
public sealed class ServingBench : IBenchmarkGroup
{
    public string Name => "serving";

    sealed record Load(double RequestsPerSecond, double P50Ms, double P99Ms, long Errors);

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
        try
        {
            var package = Path.Combine(work, "package");
            SavePackage(package, data);
            torch.set_num_threads(1);
            // The HTTP floor of the machine: bare Kestrel answering a constant JSON body (no parsing, no model).
            var floor = FloorServer();
            try
            {
                var url = floor.Urls.First() + "/predict";
                Wrk(url, bodies[1], 4, 2, work);
                foreach (var c in concurrencies) results[(Floor, c, 1)] = Wrk(url, bodies[1], c, seconds, work);
            }
            finally { floor.StopAsync().GetAwaiter().GetResult(); }
            foreach (var backend in new[] { "onnx", "torch" })
            {
                var server = ModelServer.StartAsync(new ServingOptions { Urls = ["http://127.0.0.1:0"] },
                    PackageModels.Load(package, backend, device: torch.CPU)).GetAwaiter().GetResult();
                try
                {
                    var url = new Uri(server.BaseAddress, "/predict").ToString();
                    Wrk(url, bodies[1], 4, 2, work); // warm-up: JIT, connection pools, first batches
                    foreach (var b in batches)
                        foreach (var c in backend == "onnx" ? concurrencies : [16])
                            results[($"kit ({backend})", c, b)] = Wrk(url, bodies[b], c, seconds, work);
                }
                finally { server.StopAsync().GetAwaiter().GetResult(); }
            }

            var joblib = Path.Combine(work, "model.joblib");
            // Without flask/gunicorn (python3-flask, python3-gunicorn) the kit and floor rows are still printed.
            bool anchors = true;
            try { RunPython(options, ["bench/anchors/serving_flask.py", "train", joblib], null); }
            catch (InvalidOperationException e) { anchors = false; Console.WriteLine($"python anchors skipped: {e.Message}"); }
            if (anchors)
            foreach (var (anchor, argv) in new (string, string[])[]
            {
                ("flask", ["bench/anchors/serving_flask.py", "serve", "{port}"]),
                ("gunicorn (2 workers)", ["-m", "gunicorn", "-w", "2", "-b", "127.0.0.1:{port}", "--chdir", "bench/anchors", "--log-level", "error", "serving_flask:app"]),
            })
            {
                int port = FreePort();
                using var process = StartPython(options, argv.Select(a => a.Replace("{port}", port.ToString(CultureInfo.InvariantCulture))).ToArray(), joblib);
                try
                {
                    var url = $"http://127.0.0.1:{port}/predict";
                    WaitUntilServing(url, bodies[1], process);
                    Wrk(url, bodies[1], 4, 2, work); // warm-up, as for the kit
                    foreach (var b in batches)
                        foreach (var c in concurrencies)
                            results[(anchor, c, b)] = Wrk(url, bodies[b], c, seconds, work);
                }
                finally { try { process.Kill(entireProcessTree: true); process.WaitForExit(5000); } catch (InvalidOperationException) { } }
            }
        }
        finally { try { Directory.Delete(work, true); } catch (IOException) { } }

        Console.WriteLine();
        Console.WriteLine($"wrk -t2 --latency, {seconds} s per cell, POST /predict on loopback; rows/request = batch");
        Console.WriteLine();
        Console.WriteLine("| server | connections | batch | requests/s | rows/s | p50 | p99 | errors |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (var ((s, c, b), l) in results.OrderBy(r => r.Key.B).ThenBy(r => r.Key.C).ThenBy(r => r.Key.Server))
            Console.WriteLine($"| {s} | {c} | {b} | {l.RequestsPerSecond:0} | {l.RequestsPerSecond * b:0} | {l.P50Ms:0.00} ms | {l.P99Ms:0.00} ms | {l.Errors} |");
        Console.WriteLine();

        foreach (var ((s, c, b), l) in results.Where(r => r.Key.Server.StartsWith("kit")).OrderBy(r => r.Key.B).ThenBy(r => r.Key.C))
        {
            var g = results.GetValueOrDefault(("gunicorn (2 workers)", c, b));
            var f = results.GetValueOrDefault(("flask", c, b));
            yield return new BenchResult($"{s} c{c} batch {b}: s/request", 1 / l.RequestsPerSecond, g is null ? null : 1 / g.RequestsPerSecond, "gunicorn (2 workers)",
                $"kit {l.RequestsPerSecond:0} req/s p50 {l.P50Ms:0.00} p99 {l.P99Ms:0.00} ms; gunicorn {g?.RequestsPerSecond:0} req/s p99 {g?.P99Ms:0.00} ms; flask {f?.RequestsPerSecond:0} req/s p99 {f?.P99Ms:0.00} ms");
            if (b == 1 && results.GetValueOrDefault((Floor, c, 1)) is { } k)
                yield return new BenchResult($"{s} c{c} batch 1: s/request vs the HTTP floor", 1 / l.RequestsPerSecond, 1 / k.RequestsPerSecond, Floor,
                    $"kit {l.RequestsPerSecond / k.RequestsPerSecond:P0} of the floor; floor {k.RequestsPerSecond:0} req/s p50 {k.P50Ms:0.00} p99 {k.P99Ms:0.00} ms");
        }
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

    static Load Wrk(string url, string body, int connections, int seconds, string work)
    {
        var script = Path.Combine(work, $"post-{body.Length}.lua");
        File.WriteAllText(script, "wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.body = [==[" + body + "]==]\n");
        var start = new ProcessStartInfo("/usr/bin/wrk") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-t", Math.Min(2, connections).ToString(), "-c", connections.ToString(), "-d", seconds + "s", "--latency", "--timeout", "5s", "-s", script, url })
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
        return new Load(rps, Percentile(output, "50%"), Percentile(output, "99%"), errors);
    }

    static double Percentile(string output, string label)
    {
        var m = Regex.Match(output, @"^\s*" + Regex.Escape(label) + @"\s+([0-9.]+)(us|ms|s)\s*$", RegexOptions.Multiline);
        if (!m.Success) return double.NaN;
        double v = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return m.Groups[2].Value switch { "us" => v / 1000, "ms" => v, _ => v * 1000 };
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

    static void WaitUntilServing(string url, string body, Process process)
    {
        using var client = new HttpClient();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (process.HasExited) throw new InvalidOperationException($"the anchor server exited with {process.ExitCode}");
            try
            {
                using var r = client.PostAsync(url, new StringContent(body, Encoding.UTF8, "application/json")).GetAwaiter().GetResult();
                if (r.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            Thread.Sleep(200);
        }
        throw new TimeoutException($"{url} did not answer within 30 s");
    }
}
