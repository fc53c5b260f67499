using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NotebookKit.Serving.Http;
using NotebookKit.Serving.Operations;

namespace NotebookKit.Serving;

/// <summary>
/// The model server (introduced in 08-export-and-serving): Kestrel with the endpoints of <see cref="Endpoints"/>.
/// Start it in-process (<c>await ModelServer.StartAsync(new ServingOptions(), model)</c>: 127.0.0.1 on a free
/// port) or as a program (<c>dotnet run --project src/NotebookKit.Serving -- --model package</c>). Stopping is
/// graceful: new connections are refused, in-flight requests finish, then the batchers drain.
/// </summary>
public sealed class ModelServer : IAsyncDisposable
{
    readonly WebApplication app;
    readonly RequestLog? log;
    bool stopped;

    public ServingOptions Options { get; }
    public ModelRegistry Models { get; }
    public ServingMetrics Metrics { get; }
    /// <summary>The addresses actually bound (with the real port when 0 was asked).</summary>
    public IReadOnlyList<Uri> Addresses { get; private set; } = [];
    public Uri BaseAddress => Addresses[0];

    ModelServer(WebApplication app, ServingOptions options, ModelRegistry models, ServingMetrics metrics, RequestLog? log)
    {
        this.app = app; Options = options; Models = models; Metrics = metrics; this.log = log;
    }

    public static async Task<ModelServer> StartAsync(ServingOptions? options, params ServedModel[] models)
    {
        options ??= new ServingOptions();
        options.Validate();
        if (models.Length == 0) throw new ArgumentException("Give at least one model to serve.", nameof(models));
        var endpoints = options.Urls.Select(ParseUrl).ToArray();
        NativeHeap.ReturnLargeBlocks();

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = options.ShutdownTimeout);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            // Bodies above MaxBodyBytes are refused (413) by the endpoints; Kestrel's own limit is higher so that it can
            // drain a moderately oversized body and the client reads the 413 instead of a reset connection.
            k.Limits.MaxRequestBodySize = options.MaxBodyBytes * 16;
            k.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
            k.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            k.Limits.MaxRequestLineSize = 8 * 1024;
            k.Limits.MaxConcurrentConnections = options.MaxConnections;
            k.Limits.MaxConcurrentUpgradedConnections = options.MaxConnections;
            foreach (var (https, address, port) in endpoints)
                k.Listen(address, port, listen =>
                {
                    listen.Protocols = HttpProtocols.Http1AndHttp2;
                    if (https)
                    {
                        if (options.Certificate is { } cert) listen.UseHttps(cert);
                        else listen.UseHttps(); // the ASP.NET Core development certificate
                    }
                    else listen.Protocols = HttpProtocols.Http1;
                });
        });

        var log = options.LogPath is null ? null : new RequestLog(options.LogPath, options.LogSampleRate, options.MaxErrorLogsPerSecond);
        var metrics = new ServingMetrics();
        var registry = new ModelRegistry(options, metrics);
        foreach (var m in models) await registry.Load(m, retireOthers: false);
        var feedback = new FeedbackStore(options.FeedbackCapacity, options.FeedbackBudgetBytes);
        var handlers = new Endpoints(options, registry, metrics, feedback, log);

        var app = builder.Build();
        app.Use(handlers.Middleware);
        app.MapPost("/v2/models/{name}/infer", handlers.Infer);
        app.MapPost("/v2/models/{name}/versions/{version}/infer", handlers.Infer);
        app.MapPost("/predict", handlers.Predict);
        app.MapPost("/v2/models/{name}/text", handlers.Text);
        app.MapPost("/v2/models/{name}/versions/{version}/text", handlers.Text);
        app.MapPost("/v2/models/{name}/feedback", handlers.Feedback);
        app.MapGet("/v2/models/{name}", handlers.Metadata);
        app.MapGet("/v2/models/{name}/versions/{version}", handlers.Metadata);
        app.MapGet("/v2/models/{name}/ready", handlers.ModelReady);
        app.MapGet("/v2/models/{name}/drift", handlers.Drift);
        app.MapGet("/v2/health/live", handlers.Live);
        app.MapGet("/v2/health/ready", handlers.Ready);
        app.MapGet("/metrics", handlers.MetricsText);
        app.MapFallback("{**path}", handlers.NotFound); // every path, /favicon.ico included, gets a JSON 404

        var server = new ModelServer(app, options, registry, metrics, log);
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await registry.DisposeAsync();
            if (log is not null) await log.DisposeAsync();
            throw;
        }
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        server.Addresses = bound.Select(a => new Uri(a.Replace("0.0.0.0", "127.0.0.1").Replace("[::]", "[::1]"))).ToArray();
        return server;
    }

    internal static (bool Https, IPAddress Address, int Port) ParseUrl(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new ArgumentException($"'{url}' is not an http:// or https:// URL with a host and port.", nameof(url));
        var address = uri.Host switch
        {
            "localhost" => IPAddress.Loopback,
            "*" or "+" or "0.0.0.0" => IPAddress.Any,
            _ => IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) ? ip : throw new ArgumentException($"Host '{uri.Host}' in '{url}' is not an IP address or localhost.", nameof(url)),
        };
        if (uri.AbsolutePath != "/" || uri.Query.Length > 0) throw new ArgumentException($"'{url}' has a path; give scheme, host and port only.", nameof(url));
        return (uri.Scheme == "https", address, uri.Port);
    }

    /// <summary>Hot reload: serves <paramref name="model"/> as the new default version; older versions finish their
    /// in-flight requests, then are disposed. Completes when the old versions are gone.</summary>
    public Task ReloadAsync(ServedModel model) => Models.Load(model, retireOthers: true);

    /// <summary>An HttpClient for this server: base address set, API key header added when configured, and for
    /// https the configured certificate trusted by thumbprint (so a self-signed test certificate works).</summary>
    public HttpClient CreateClient(bool withApiKey = true)
    {
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        if (Options.Certificate is { } cert)
            handler.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, errors) =>
                errors == System.Net.Security.SslPolicyErrors.None || (presented is not null && presented.GetCertHashString() == cert.GetCertHashString());
        var client = new HttpClient(handler) { BaseAddress = BaseAddress };
        if (withApiKey && Options.ApiKey is { } key) client.DefaultRequestHeaders.Add(Options.ApiKeyHeader, key);
        return client;
    }

    /// <summary>Graceful shutdown: stop listening, let in-flight requests finish (up to ShutdownTimeout), drain batchers.</summary>
    public async Task StopAsync()
    {
        if (stopped) return;
        stopped = true;
        await app.StopAsync();
        await Models.DisposeAsync();
        if (log is not null) await log.DisposeAsync();
        await app.DisposeAsync();
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    public override string ToString() => $"ModelServer at {string.Join(", ", Addresses)} serving {string.Join(", ", Models.Names)}";
}
