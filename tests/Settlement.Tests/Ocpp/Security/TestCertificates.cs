using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Settlement.Tests.Ocpp.Security;

/// <summary>A throwaway PKI made in memory: a charger CA, a server certificate for 127.0.0.1, charger certificates.</summary>
internal static class TestCertificates
{
    private static readonly DateTimeOffset From = DateTimeOffset.UtcNow.AddDays(-1);
    private static readonly DateTimeOffset Until = DateTimeOffset.UtcNow.AddDays(30);

    public static X509Certificate2 Authority(string name = "Settlement Test Charger CA")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return Reloaded(request.CreateSelfSigned(From, Until));
    }

    public static X509Certificate2 Server(X509Certificate2 authority) => Issued(authority, "127.0.0.1", "1.3.6.1.5.5.7.3.1", san: true);

    public static X509Certificate2 Charger(X509Certificate2 authority, string identity) => Issued(authority, identity, "1.3.6.1.5.5.7.3.2", san: false);

    private static X509Certificate2 Issued(X509Certificate2 authority, string commonName, string usage, bool san)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], false));
        if (san)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }
        using var issued = request.Create(authority, From, Until, RandomNumberGenerator.GetBytes(8));
        return Reloaded(issued.CopyWithPrivateKey(key));
    }

    // TLS on Linux wants the private key in a loaded PKCS#12, not an ephemeral in-memory key.
    private static X509Certificate2 Reloaded(X509Certificate2 certificate) =>
        X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
}
