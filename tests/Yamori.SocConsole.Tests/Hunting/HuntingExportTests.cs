using System.Globalization;
using System.Net;
using System.Text;
using Yamori.Server.Tests.Support;
using Yamori.SocConsole.Tests.Devices;

namespace Yamori.SocConsole.Tests.Hunting;

/// <summary>The CSV endpoint over real HTTP, signed in through the API as a person would be.</summary>
[Collection(SeededCloudCollection.Name)]
public sealed class HuntingExportTests(SeededCloud seeded)
{
    [Fact]
    public async Task The_export_is_the_signed_in_actors_query_as_utf8_csv_and_a_town_user_gets_only_their_town()
    {
        ApiClient operatorClient = seeded.Operator;
        (ApiClient townB, _) = await ApiClient.CreateTownUserAsync(seeded.Cloud, operatorClient, "b-export", "town-viewer", seeded.Cloud.TownB.Id.Value);
        using (townB)
        {
            string query = $"from={Time(seeded.Now.AddDays(-1))}&to={Time(seeded.Now.AddMinutes(1))}&f1=Image&op1=EndsWith&v1={Uri.EscapeDataString("POWERSHELL.EXE")}";

            using HttpResponseMessage soc = await operatorClient.Http.GetAsync("hunting/export.csv?" + query);
            Assert.Equal(HttpStatusCode.OK, soc.StatusCode);
            Assert.Equal("text/csv", soc.Content.Headers.ContentType?.MediaType);
            Assert.Equal("attachment", soc.Content.Headers.ContentDisposition?.DispositionType);
            byte[] body = await soc.Content.ReadAsByteArrayAsync();
            Assert.Equal([0xEF, 0xBB, 0xBF], body[..3]);
            string[] socLines = Lines(body);
            Assert.Equal(4, socLines.Length);
            Assert.Contains(socLines, l => l.Contains("\"千代田区\"", StringComparison.Ordinal));
            Assert.Contains(socLines, l => l.Contains("\"札幌市\"", StringComparison.Ordinal));

            using HttpResponseMessage town = await townB.Http.GetAsync($"hunting/export.csv?{query}&town={seeded.Cloud.TownA.Id}");
            Assert.Equal(HttpStatusCode.OK, town.StatusCode);
            Assert.Single(Lines(await town.Content.ReadAsByteArrayAsync()));

            using HttpResponseMessage own = await townB.Http.GetAsync("hunting/export.csv?" + query);
            string[] ownLines = Lines(await own.Content.ReadAsByteArrayAsync());
            Assert.Equal(2, ownLines.Length);
            Assert.Contains("\"b-pc-01\"", ownLines[1], StringComparison.Ordinal);
            Assert.DoesNotContain(ownLines, l => l.Contains("千代田区", StringComparison.Ordinal));

            using HttpResponseMessage bad = await townB.Http.GetAsync("hunting/export.csv?from=soon&to=later");
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains("soon", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);

            using HttpClient anonymous = ApiClient.Anonymous(seeded.Cloud);
            using HttpResponseMessage nobody = await anonymous.GetAsync("hunting/export.csv?" + query);
            Assert.NotEqual("text/csv", nobody.Content.Headers.ContentType?.MediaType);
        }
    }

    private static string Time(DateTimeOffset t) => Uri.EscapeDataString(t.ToString("yyyy-MM-dd'T'HH:mm:ssK", CultureInfo.InvariantCulture));

    /// <summary>Records of the file (the test data has no line break inside these rows).</summary>
    private static string[] Lines(byte[] body) =>
        Encoding.UTF8.GetString(body, 3, body.Length - 3).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
}
