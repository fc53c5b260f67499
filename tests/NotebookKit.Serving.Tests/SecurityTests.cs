using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;

namespace NotebookKit.Serving.Tests;

public sealed class SecurityTests
{
    [Fact]
    public async Task With_an_api_key_inference_needs_the_header_and_health_does_not()
    {
        await using var server = await ModelServer.StartAsync(new ServingOptions { ApiKey = "s3cret-key" }, Models.Served());
        using var anonymous = server.CreateClient(withApiKey: false);
        var (status, json) = await Bodies.Post(anonymous, "/predict", Bodies.Predict(Models.Rows[0]));
        Assert.Equal(401, status);
        Assert.Equal("X-API-Key", (string?)json!["field"]);
        Assert.Equal(401, (await Bodies.Post(anonymous, "/v2/models/bc/infer", Bodies.Infer([Models.Rows[0]]))).Status);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/v2/health/ready")).StatusCode);

        anonymous.DefaultRequestHeaders.Add("X-API-Key", "s3cret-kez");
        Assert.Equal(401, (await Bodies.Post(anonymous, "/predict", Bodies.Predict(Models.Rows[0]))).Status);

        using var client = server.CreateClient();
        Assert.Equal(200, (await Bodies.Post(client, "/predict", Bodies.Predict(Models.Rows[0]))).Status);
        Assert.Equal(200, (await Bodies.Post(client, "/v2/models/bc/infer", Bodies.Infer([Models.Rows[0]]))).Status);
    }

    [Fact]
    public async Task Without_an_api_key_inference_is_open()
    {
        await using var server = await ModelServer.StartAsync(new ServingOptions(), Models.Served());
        using var client = server.CreateClient(withApiKey: false);
        Assert.Equal(200, (await Bodies.Post(client, "/predict", Bodies.Predict(Models.Rows[0]))).Status);
    }

    static X509Certificate2 TestCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        // Round-trip through PFX so the private key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pfx, "pw"), "pw");
    }

    [Fact]
    public async Task Https_serves_with_the_configured_certificate()
    {
        using var cert = TestCertificate();
        await using var server = await ModelServer.StartAsync(new ServingOptions { Urls = ["https://127.0.0.1:0"], Certificate = cert }, Models.Served());
        Assert.Equal("https", server.BaseAddress.Scheme);

        X509Certificate2? presented = null;
        using var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, c, _, _) => { presented = c is null ? null : new X509Certificate2(c); return c is not null; };
        using var pinned = new HttpClient(handler) { BaseAddress = server.BaseAddress };
        var (status, json) = await Bodies.Post(pinned, "/predict", Bodies.Predict(Models.Rows[0]));
        Assert.Equal(200, status);
        Assert.Equal(cert.Thumbprint, presented!.Thumbprint);

        // A client that trusts only the system store refuses the self-signed certificate.
        using var strict = new HttpClient { BaseAddress = server.BaseAddress };
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => strict.GetAsync("/v2/health/live"));
        Assert.IsType<AuthenticationException>(error.InnerException);
    }
}
