using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace NotebookKit.Serving.Client;

/// <summary>
/// A self-signed certificate for trying HTTPS on this machine (08-export-and-serving). Production servers use a
/// certificate from a CA (<c>--cert server.pfx</c>); a client trusts this one only through
/// <see cref="ModelServer.CreateClient"/>, which pins the server's own certificate.
/// </summary>
public static class DevCertificate
{
    /// <summary>RSA-2048, SHA-256, for 127.0.0.1 (subject and IP subject alternative name), valid one day.</summary>
    public static X509Certificate2 ForLoopback()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        // Re-imported from PFX so that the private key is usable by Kestrel on every platform.
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pfx, "nbkit"), "nbkit");
    }
}
