using System.Text.Json.Nodes;
using Yamori.Server.Tests.Support;

namespace Yamori.Server.Tests;

/// <summary>
/// The committed OpenAPI document (docs/api/openapi-v1.json) is the one the server serves. When an
/// endpoint changes, regenerate it with <c>YAMORI_UPDATE_OPENAPI=1 ./test.sh</c> (or this test alone)
/// and commit the difference, so API reviews see the contract change.
/// </summary>
public sealed class OpenApiDocumentTests
{
    [Fact]
    public async Task Committed_document_matches_the_served_one()
    {
        await using CloudFixture cloud = await CloudFixture.StartAsync(seed: false);
        using HttpClient client = ApiClient.Anonymous(cloud);
        JsonObject served = JsonNode.Parse(await client.GetStringAsync("openapi/v1.json"))!.AsObject();

        // The server list carries this run's random port; everything else is the contract.
        served.Remove("servers");
        string text = served.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n";
        string path = Path.Combine(RepositoryRoot(), "docs", "api", "openapi-v1.json");
        if (Environment.GetEnvironmentVariable("YAMORI_UPDATE_OPENAPI") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllTextAsync(path, text);
        }

        Assert.True(File.Exists(path), $"{path} is missing; run with YAMORI_UPDATE_OPENAPI=1 to create it");
        Assert.True(
            (await File.ReadAllTextAsync(path)).ReplaceLineEndings("\n") == text,
            $"{path} is out of date with the served document; run with YAMORI_UPDATE_OPENAPI=1 and commit the change");

        // Every API route is documented, with the problem-details shape for errors available.
        JsonObject paths = served["paths"]!.AsObject();
        Assert.Contains("/api/v1/incidents/{incidentId}", paths.Select(p => p.Key));
        Assert.Contains("/api/v1/devices/{deviceId}/commands", paths.Select(p => p.Key));
        Assert.True(paths.Count >= 30, $"only {paths.Count} paths documented");
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Yamori.slnx")))
            {
                return d.FullName;
            }
        }

        throw new DirectoryNotFoundException("Yamori.slnx not found above the test binaries");
    }
}
