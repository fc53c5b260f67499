using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Runtime.InteropServices;
using NotebookKit.Export;
using NotebookKit.Serving.Operations;

namespace NotebookKit.Serving;

/// <summary>The command line: <c>--model &lt;package&gt; [--reference train.csv] [--model ...] [--urls ...] [--api-key ...] [--cert ... --cert-password ...]</c>.</summary>
public static class ServingProgram
{
    public const string Usage = """
        usage: NotebookKit.Serving --model <package dir> [--reference FILE.csv] [--model <package dir> ...] [options]
          --reference FILE.csv     training rows for drift monitoring of the --model before it: a header naming
                                   the features (any order; other columns ignored), then one row per input
          --urls URL[;URL]         listen addresses (default http://127.0.0.1:8080); https needs --cert or the dev certificate
          --backend torch|onnx     backend for every model (default: onnx when the package holds model.onnx, else torch)
          --api-key KEY            require header X-API-Key: KEY on inference and feedback (or env NBKIT_API_KEY)
          --cert FILE.pfx          certificate for https URLs; --cert-password PW (or env NBKIT_CERT_PASSWORD)
          --log FILE.jsonl         JSON-lines request log; --log-sample RATE (0..1, default 1)
          --drift-window ROWS      live rows compared with the reference (default 500); --drift-min-rows N (default 100)
          --psi-threshold X        PSI above which a feature alerts (default 0.25); --ks-alpha P (default 0.01)
          --batch-budget-ms MS     micro-batching wait for the first request of a batch (default 0)
          --max-body-bytes N       largest request body (default 1048576)
          --max-text-chars N       longest text a text package takes, in UTF-16 code units (default 5000)
          --max-texts N            most texts per request to a text package (default 256)
          --threads N              torch intra-op threads, 1..256 (default 1: Kestrel needs the other cores)
          --no-watch               do not reload a --model folder when its files change (SIGHUP still reloads)
          --open-operations        with --api-key, leave /metrics and /drift open (health endpoints always are)
        Exit codes: 0 stopped by SIGTERM/SIGINT, 2 usage, 3 configuration or package, 4 cannot listen.
        Development certificate: run `dotnet dev-certs https --trust` once, then --urls https://127.0.0.1:8443 without --cert.
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        var options = new ServingOptions { Urls = ["http://127.0.0.1:8080"], ReturnFreedMemory = true };
        var packages = new List<(string Directory, string? Reference)>();
        string? backend = null, certPath = null, certPassword = Environment.GetEnvironmentVariable("NBKIT_CERT_PASSWORD");
        int threads = 1;
        bool watch = true;
        options.ApiKey = Environment.GetEnvironmentVariable("NBKIT_API_KEY") is { Length: > 0 } envKey ? envKey : null;
        try
        {
            for (int i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
                switch (args[i])
                {
                    case "--model": packages.Add((Next(), null)); break;
                    case "--reference":
                        if (packages.Count == 0 || packages[^1].Reference is not null)
                            throw new ArgumentException("--reference follows the --model it belongs to, once per model.");
                        packages[^1] = (packages[^1].Directory, Next());
                        break;
                    case "--urls": options.Urls = Next().Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries); break;
                    case "--backend": backend = Next(); break;
                    case "--api-key": options.ApiKey = Next(); break;
                    case "--cert": certPath = Next(); break;
                    case "--cert-password": certPassword = Next(); break;
                    case "--log": options.LogPath = Next(); break;
                    case "--log-sample": options.LogSampleRate = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--drift-window": options.DriftWindowRows = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--drift-min-rows": options.DriftMinRows = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--psi-threshold": options.PsiThreshold = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--ks-alpha": options.KsAlpha = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--batch-budget-ms": options.BatchBudget = TimeSpan.FromMilliseconds(double.Parse(Next(), CultureInfo.InvariantCulture)); break;
                    case "--max-body-bytes": options.MaxBodyBytes = long.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--max-text-chars": options.MaxTextChars = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--max-texts": options.MaxTextsPerRequest = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--threads": threads = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--no-watch": watch = false; break;
                    case "--open-operations": options.OpenOperations = true; break;
                    case "-h" or "--help": Console.WriteLine(Usage); return 0;
                    default: throw new ArgumentException($"Unknown option '{args[i]}'.");
                }
            }
            if (packages.Count == 0) throw new ArgumentException("Give at least one --model <package dir>.");
            if (threads is < 1 or > 256) throw new ArgumentException($"--threads must be between 1 and 256, got {threads}.");
            options.Validate();
            if (certPath is not null) options.Certificate = X509CertificateLoader.LoadPkcs12FromFile(certPath, certPassword);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
        {
            Console.Error.WriteLine("error: " + e.Message);
            Console.Error.WriteLine(Usage);
            return ExitUsage;
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine("error: " + e.Message);
            return ExitConfig;
        }

        NotebookKit.Setup.Kit.ApplyNativeFix();
        TorchSharp.torch.set_num_threads(threads);
        var models = new List<ServedModel>();
        var loaders = new List<(string Directory, Func<ServedModel> Load)>();
        foreach (var (p, reference) in packages)
        {
            try
            {
                if (reference is not null && NotebookKit.Text.TextPackage.IsTextPackage(p))
                    throw new ArgumentException("it is a text package, which carries its own drift reference; --reference is for packages of feature rows.");
                var rows = reference is null ? null
                    : ReferenceData.LoadCsv(reference, ModelPackage.ReadManifest(p).Input.Features.Select(f => f.Name).ToArray());
                ServedModel Load() => PackageModels.Load(p, backend, referenceRows: rows);
                models.Add(Load());
                loaders.Add((p, Load));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Console.Error.WriteLine($"error: cannot serve {p}: {e.Message}");
                return ExitConfig;
            }
        }

        ModelServer server;
        try { server = await ModelServer.StartAsync(options, models.ToArray()); }
        catch (Exception e) when (e is Microsoft.AspNetCore.Connections.AddressInUseException
            || e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException || e.Message.Contains("bind", StringComparison.OrdinalIgnoreCase))
        {
            Console.Error.WriteLine($"error: cannot listen on {string.Join(", ", options.Urls)}: {e.Message.Split('\n')[0]}");
            return ExitBind;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            // https without --cert and without a development certificate, or an unwritable --log.
            Console.Error.WriteLine("error: " + e.Message.Split('\n')[0]);
            return ExitConfig;
        }
        await using var running = server;
        Console.WriteLine($"NotebookKit model server listening on {string.Join(", ", server.Addresses)}");
        foreach (var m in models)
            Console.WriteLine($"  {m.Name} v{m.Version} ({m.Backend.Kind}): " + (m.Text is { } t
                ? $"raw text: POST /v2/models/{m.Name}/text" + (t.Reference is { } tr ? $"; text drift against {tr.ReferenceTexts} reference texts: GET /v2/models/{m.Name}/drift" : "")
                : $"POST /v2/models/{m.Name}/infer, POST /predict?model={m.Name}" +
                  (m.ReferenceRows is { } r ? $"; drift against {r.Count} reference rows: GET /v2/models/{m.Name}/drift" : "")));
        var watchers = loaders.Select(l => new PackageWatcher(server, l.Directory, l.Load, watch ? null : Timeout.InfiniteTimeSpan)).ToList();

        // SIGTERM (docker, systemd, Kubernetes), SIGINT and SIGQUIT drain and exit 0; SIGHUP reloads every package.
        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });
        using var quit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, c => { c.Cancel = true; stop.TrySetResult(); });
        using var hangUp = PosixSignalRegistration.Create(PosixSignal.SIGHUP, c =>
        {
            c.Cancel = true;
            foreach (var w in watchers) _ = w.ReloadAsync();
        });
        await stop.Task;
        Console.WriteLine("Shutting down: finishing in-flight requests...");
        foreach (var w in watchers) await w.DisposeAsync();
        await server.StopAsync();
        return 0;
    }

    public const int ExitUsage = 2, ExitConfig = 3, ExitBind = 4;
}
