using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using Yamori.Cloud.Enrollment;
using Yamori.Cloud.Identity;
using Yamori.Server.Hosting;

namespace Yamori.Server.Tests.Support;

/// <summary>A signed-in API caller: an HTTPS client trusting only the cloud CA, with a bearer session token.</summary>
public sealed class ApiClient : IDisposable
{
    private readonly HttpClient _http;

    private ApiClient(HttpClient http, string login)
    {
        _http = http;
        Login = login;
    }

    public string Login { get; }

    public HttpClient Http => _http;

    public static HttpClient Anonymous(CloudFixture cloud)
    {
        using X509Certificate2 ca = cloud.Get<CloudCertificateAuthority>().Certificate;
        return TestAgent.ApiClient(cloud.ApiUri, X509CertificateLoader.LoadCertificate(ca.RawData));
    }

    /// <summary>Creates the first-start operator and signs it in with password and TOTP, as a person would.</summary>
    public static async Task<ApiClient> SignInOperatorAsync(CloudFixture cloud)
    {
        BootstrapCredentials creds = (await FirstStart.CreateOperatorAsync(cloud.App.Services))!;
        HttpClient http = Anonymous(cloud);
        JsonObject step1 = await PostAsync(http, "api/v1/auth/signin", new { login = creds.User.Login, password = creds.Password });
        Assert.Equal("totpRequired", (string?)step1["status"]);
        string code = Totp.Code(Base32.TryDecode(creds.TotpSecretBase32)!, Totp.StepAt(DateTimeOffset.UtcNow));
        JsonObject step2 = await PostAsync(http, "api/v1/auth/totp", new { ticket = (string?)step1["ticket"], code });
        Assert.Equal("signedIn", (string?)step2["status"]);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (string?)step2["sessionToken"]);
        await ReplaceOneTimePasswordAsync(http, creds.Password);
        return new ApiClient(http, creds.User.Login);
    }

    /// <summary>Creates a town user through the API as <paramref name="admin"/> and signs it in (town roles need no TOTP).</summary>
    public static async Task<(ApiClient Client, Guid UserId)> CreateTownUserAsync(CloudFixture cloud, ApiClient admin, string login, string role, Guid tenantId)
    {
        JsonObject created = await admin.PostAsync("api/v1/users", new { login, displayName = login, role, tenantId });
        string password = (string)created["oneTimePassword"]!;
        HttpClient http = Anonymous(cloud);
        JsonObject signedIn = await PostAsync(http, "api/v1/auth/signin", new { login, password });
        Assert.Equal("signedIn", (string?)signedIn["status"]);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (string?)signedIn["sessionToken"]);
        await ReplaceOneTimePasswordAsync(http, password);
        return (new ApiClient(http, login), Guid.Parse((string)created["user"]!["id"]!));
    }

    /// <summary>What every person does first with a one-time password: the API refuses anything else.</summary>
    public static async Task ReplaceOneTimePasswordAsync(HttpClient http, string oneTimePassword)
    {
        using HttpResponseMessage refused = await http.GetAsync("api/v1/incidents");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("PasswordChangeRequired", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using HttpResponseMessage changed = await http.PostAsJsonAsync("api/v1/auth/password", new { currentPassword = oneTimePassword, newPassword = "yamori-" + Guid.NewGuid().ToString("N") });
        Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);
    }

    public async Task<JsonNode?> GetAsync(string path)
    {
        using HttpResponseMessage response = await _http.GetAsync(path);
        await EnsureAsync(response);
        return await response.Content.ReadFromJsonAsync<JsonNode>();
    }

    public Task<JsonObject> PostAsync(string path, object body) => PostAsync(_http, path, body);

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return await _http.SendAsync(request);
    }

    public void Dispose() => _http.Dispose();

    private static async Task<JsonObject> PostAsync(HttpClient http, string path, object body)
    {
        using HttpResponseMessage response = await http.PostAsJsonAsync(path, body);
        await EnsureAsync(response);
        return response.StatusCode == HttpStatusCode.NoContent ? [] : (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    private static async Task EnsureAsync(HttpResponseMessage response)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{(int)response.StatusCode} {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {await response.Content.ReadAsStringAsync()}", null, response.StatusCode);
        }
    }
}

internal static class Json
{
    public static JsonSerializerOptions Web { get; } = new(JsonSerializerDefaults.Web);
}
