using Yamori.Tests;
using System.Text.Json;
using Yamori.Cli.Commands;

namespace Yamori.Cli.Tests;

/// <summary><c>yamori evtx dump</c> on a real SigmaHQ regression log (read in place).</summary>
public sealed class EvtxDumpCommandTests
{
    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = await CommandLine.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static string Sample()
    {
        // "HackTool - NetExec File Indicators": seven Sysmon 11 records.
        return Directory.EnumerateFiles(Path.Combine(TestData.SigmaHqRoot!, "regression_data"), "efc21479-9e83-41da-8cf1-122e06ba8db3.evtx", SearchOption.AllDirectories).Single();
    }

    [SkippableFact]
    public async Task Jsonl_has_one_object_per_record_equal_to_the_twin()
    {
        Skip.If(TestData.SigmaHqRoot is null, "SigmaHQ data not found: set YAMORI_SIGMAHQ or place ../shared next to the repository");
        string evtx = Sample();

        (int code, string output, string err) = await Run("evtx", "dump", evtx);

        Assert.Equal(0, code);
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(7, lines.Length);
        Assert.Contains("7 records", err, StringComparison.Ordinal);

        // The twin (produced by an independent decoder) holds the same records in the same order.
        var twin = new List<JsonElement>();
        var reader = new Utf8JsonReader(File.ReadAllBytes(Path.ChangeExtension(evtx, ".json")), new JsonReaderOptions { AllowMultipleValues = true });
        while (reader.Read())
        {
            twin.Add(JsonElement.ParseValue(ref reader));
        }

        for (int i = 0; i < lines.Length; i++)
        {
            JsonElement ours = JsonDocument.Parse(lines[i]).RootElement.GetProperty("Event");
            JsonElement theirs = twin[i].GetProperty("Event");
            Assert.Equal(theirs.GetProperty("System").GetProperty("EventRecordID").GetInt64(), ours.GetProperty("System").GetProperty("EventRecordID").GetInt64());
            Assert.Equal(theirs.GetProperty("EventData").GetProperty("TargetFilename").GetString(), ours.GetProperty("EventData").GetProperty("TargetFilename").GetString());
        }
    }

    [SkippableFact]
    public async Task Xml_renders_each_record_as_an_event_element()
    {
        Skip.If(TestData.SigmaHqRoot is null, "SigmaHQ data not found: set YAMORI_SIGMAHQ or place ../shared next to the repository");

        (int code, string output, _) = await Run("evtx", "dump", "--format", "xml", Sample());

        Assert.Equal(0, code);
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(7, lines.Length);
        Assert.All(lines, l => Assert.StartsWith("<Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\">", l, StringComparison.Ordinal));
        Assert.Contains("<Data Name=\"TargetFilename\">", lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_file_is_reported_and_exits_2()
    {
        (int code, _, string err) = await Run("evtx", "dump", "/nonexistent/x.evtx");
        Assert.Equal(2, code);
        Assert.Contains("/nonexistent/x.evtx", err, StringComparison.Ordinal);
    }
}
