using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Yamori.Cloud.Identity;

namespace Yamori.Bench.CloudLoad;

/// <summary>
/// The cloud's API as its operator: signed in the way a person would (first-start credentials,
/// TOTP, forced password change), for enrollment tokens and for reading what the cloud stored.
/// </summary>
internal static partial class OperatorApi
{
    /// <summary>One enrollment token for the whole simulated fleet.</summary>
    public static async Task<IReadOnlyList<string>> EnrollmentTokensAsync(CloudProcess cloud, X509Certificate2 ca, int agents)
    {
        using HttpClient api = await SignInAsync(cloud, ca);
        JsonArray tenants = (await api.GetFromJsonAsync<JsonArray>("api/v1/tenants/"))!;
        string tenant = (string)tenants[0]!["id"]!;
        JsonArray segments = (await api.GetFromJsonAsync<JsonArray>($"api/v1/tenants/{tenant}/segments"))!;
        string segment = (string)segments.First(s => (string?)s!["kind"] == "Lgwan")!["id"]!;
        JsonObject token = await PostAsync(api, $"api/v1/tenants/{tenant}/enrollment-tokens/", new { segmentId = segment, lifetimeHours = 2, maxUses = agents });
        return [(string)token["secret"]!];
    }

    /// <summary>A client signed in as the first-start operator (soc-admin); the cloud must have been started on a fresh data directory.</summary>
    public static async Task<HttpClient> SignInAsync(CloudProcess cloud, X509Certificate2 ca)
    {
        string password = Banner(cloud, PasswordLine());
        string secret = Banner(cloud, TotpLine());
        var api = new HttpClient(SimulatedAgent.Handler(ca, null)) { BaseAddress = cloud.Api };
        try
        {
            JsonObject step1 = await PostAsync(api, "api/v1/auth/signin", new { login = "operator", password });
            string code = Totp.Code(Base32.TryDecode(secret)!, Totp.StepAt(DateTimeOffset.UtcNow));
            JsonObject step2 = await PostAsync(api, "api/v1/auth/totp", new { ticket = (string?)step1["ticket"], code });
            api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (string?)step2["sessionToken"]);
            await PostAsync(api, "api/v1/auth/password", new { currentPassword = password, newPassword = "bench-" + Guid.NewGuid().ToString("N") });
            return api;
        }
        catch
        {
            api.Dispose();
            throw;
        }
    }

    /// <summary>The first group of <paramref name="pattern"/> in what the cloud printed at start.</summary>
    public static string Banner(CloudProcess cloud, Regex pattern) =>
        cloud.Banner.Select(l => pattern.Match(l)).FirstOrDefault(m => m.Success)?.Groups[1].Value
        ?? throw new InvalidOperationException("the cloud did not print first-start credentials; the bench needs a fresh data directory");

    private static async Task<JsonObject> PostAsync(HttpClient api, string path, object body)
    {
        using HttpResponseMessage response = await api.PostAsJsonAsync(path, body);
        string text = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? (text.Length == 0 ? [] : JsonNode.Parse(text)!.AsObject()) : throw new HttpRequestException($"{path}: {(int)response.StatusCode} {text}");
    }

    [GeneratedRegex(@"^\s*password\s+(\S+)")]
    private static partial Regex PasswordLine();

    [GeneratedRegex(@"^\s*TOTP secret\s+(\S+)")]
    private static partial Regex TotpLine();
}
