using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Yamori.Cloud.Identity;

namespace Yamori.SocConsole.Tests.EndToEnd;

/// <summary>
/// The prefecture operator's REST session, used to set the stage (people to sign in as) the way an
/// operator would script it. TLS is real; the certificate check is pinned to the cloud's own CA.
/// </summary>
internal sealed class OperatorApi : IDisposable
{
    private readonly HttpClient _http;

    private OperatorApi(HttpClient http) => _http = http;

    public static async Task<OperatorApi> SignInAsync(CloudProcess cloud)
    {
        var http = new HttpClient(PinnedHandler(cloud.CaCertificatePath)) { BaseAddress = cloud.ApiUri };
        JsonObject step = await PostAsync(http, "api/v1/auth/signin", new { login = "operator", password = cloud.OperatorPassword });
        Assert.Equal("totpRequired", (string?)step["status"]);
        JsonObject done = await PostAsync(http, "api/v1/auth/totp", new { ticket = (string?)step["ticket"], code = CurrentCode(cloud.OperatorTotpSecret) });
        http.DefaultRequestHeaders.Authorization = new("Bearer", (string?)done["sessionToken"]);
        const string password = "operator-e2e-Passw0rd!";
        using (HttpResponseMessage changed = await http.PostAsJsonAsync("api/v1/auth/password", new { currentPassword = cloud.OperatorPassword, newPassword = password }))
        {
            Assert.True(changed.IsSuccessStatusCode, await changed.Content.ReadAsStringAsync());
        }

        return new OperatorApi(http);
    }

    /// <summary>Creates a user; returns their one-time password.</summary>
    public async Task<string> CreateUserAsync(string login, string role, Guid? tenant)
    {
        JsonObject created = await PostAsync(_http, "api/v1/users", new { login, displayName = login, role, tenantId = tenant });
        return (string?)created["oneTimePassword"] ?? throw new InvalidOperationException("no one-time password in " + created);
    }

    /// <summary>The TOTP code for a base32 secret now, as an authenticator app shows it.</summary>
    public static string CurrentCode(string secretBase32)
    {
        byte[] secret = Base32.TryDecode(secretBase32) ?? throw new ArgumentException("not base32: " + secretBase32);
        return Totp.Code(secret, Totp.StepAt(DateTimeOffset.UtcNow));
    }

    /// <summary>Trusts exactly the cloud's CA (from its data directory), as a pinned client would.</summary>
    public static HttpClientHandler PinnedHandler(string caCertificatePath)
    {
        X509Certificate2 ca = X509CertificateLoader.LoadCertificate(System.Text.Encoding.ASCII.GetBytes(File.ReadAllText(caCertificatePath)));
        return new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            {
                if (certificate is null)
                {
                    return false;
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(certificate);
            },
        };
    }

    private static async Task<JsonObject> PostAsync(HttpClient http, string path, object body)
    {
        using HttpResponseMessage response = await http.PostAsJsonAsync(path, body);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    public void Dispose() => _http.Dispose();
}
