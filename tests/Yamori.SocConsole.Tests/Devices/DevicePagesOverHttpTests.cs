using System.Net;

namespace Yamori.SocConsole.Tests.Devices;

/// <summary>The pages as the host serves them (first server render), for the signed-in operator.</summary>
[Collection(SeededCloudCollection.Name)]
public sealed class DevicePagesOverHttpTests(SeededCloud seeded)
{
    [Fact]
    public async Task The_host_renders_the_device_and_hunting_pages_with_their_data()
    {
        HttpClient http = seeded.Operator.Http;

        string list = await PageAsync(http, "devices");
        Assert.Contains("data-testid=\"device-table\"", list, StringComparison.Ordinal);
        Assert.Contains("b-pc-01", list, StringComparison.Ordinal);
        Assert.Contains("a-srv-03", list, StringComparison.Ordinal);

        string narrowed = await PageAsync(http, $"devices?town={seeded.Cloud.TownB.Id}");
        Assert.Contains("b-pc-01", narrowed, StringComparison.Ordinal);
        Assert.DoesNotContain("a-srv-03", narrowed, StringComparison.Ordinal);

        string detail = await PageAsync(http, $"devices/{seeded.APc01.Id}");
        Assert.Contains("data-testid=\"device-events\"", detail, StringComparison.Ordinal);
        Assert.Contains($"/incidents/{seeded.IncidentA}", detail, StringComparison.Ordinal);

        // An unknown device answers 404 like the API, with the console's not-found page.
        using (HttpResponseMessage unknown = await http.GetAsync($"devices/{Guid.NewGuid()}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
            Assert.Contains("data-testid=\"not-found\"", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        string hunting = await PageAsync(http, $"hunting?device={seeded.APc01.Id}");
        Assert.Contains("data-testid=\"hunt-form\"", hunting, StringComparison.Ordinal);
        Assert.Contains($"device={seeded.APc01.Id}", hunting, StringComparison.Ordinal);
    }

    private static async Task<string> PageAsync(HttpClient http, string path)
    {
        using HttpResponseMessage response = await http.GetAsync(path);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {body[..Math.Min(body.Length, 500)]}");
        return body;
    }
}
