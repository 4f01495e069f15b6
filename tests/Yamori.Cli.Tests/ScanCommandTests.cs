using Yamori.Tests;
using System.Text.Json;
using Yamori.Cli.Commands;

namespace Yamori.Cli.Tests;

/// <summary>
/// <c>yamori scan</c> on real EVTX files from SigmaHQ's regression suite (copied into a temporary
/// folder at run time, never into the repository) and on damaged inputs.
/// </summary>
public sealed class ScanCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("yamori-scan-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = await CommandLine.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The recorded attack of one SigmaHQ rule: (its rule file, its EVTX copied into the temp folder).</summary>
    private (string Rule, string Evtx) Case(string ruleId)
    {
        string root = TestData.SigmaHqRoot!;
        string evtx = Directory.EnumerateFiles(Path.Combine(root, "regression_data"), ruleId + ".evtx", SearchOption.AllDirectories).Single();
        string rule = Directory.EnumerateFiles(Path.Combine(root, "rules"), "*.yml", SearchOption.AllDirectories)
            .Single(f => File.ReadLines(f).Any(l => l == "id: " + ruleId));
        string copy = Path.Combine(_dir, "logs", Path.GetFileName(evtx));
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        File.Copy(evtx, copy);
        return (rule, copy);
    }

    // "Windows AMSI Related Registry Tampering Via CommandLine": one Sysmon 1 event (reg.exe … AmsiEnable).
    private const string AmsiRule = "7dbbcac2-57a0-45ac-b306-ff30a8bd2981";

    [SkippableFact]
    public async Task Scan_of_an_evtx_writes_the_detection_with_its_key_fields_and_exits_1()
    {
        Skip.If(TestData.SigmaHqRoot is null, "SigmaHQ data not found: set YAMORI_SIGMAHQ or place ../shared next to the repository");
        (string rule, _) = Case(AmsiRule);

        (int code, string output, string err) = await Run("scan", Path.Combine(_dir, "logs"), "--rules", rule, "--format", "jsonl", "--no-progress");

        Assert.Equal(ScanCommand.DetectionsFound, code);
        JsonElement row = JsonDocument.Parse(Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries))).RootElement;
        Assert.Equal(AmsiRule, row.GetProperty("rule_id").GetString());
        Assert.Equal("Microsoft-Windows-Sysmon/Operational", row.GetProperty("channel").GetString());
        Assert.Equal("1", row.GetProperty("event_id").GetString());
        Assert.Equal("swachchhanda", row.GetProperty("computer").GetString());
        Assert.Equal(@"C:\Windows\System32\reg.exe", row.GetProperty("fields").GetProperty("Image").GetString());
        Assert.Contains("AmsiEnable", row.GetProperty("fields").GetProperty("CommandLine").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("2025-12-25T14:30:27", row.GetProperty("time").GetString(), StringComparison.Ordinal);
        Assert.Contains("detections: 1", err, StringComparison.Ordinal);
        Assert.Contains("events scanned: 1,", err, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Damaged_and_foreign_files_get_one_line_each_and_the_scan_goes_on()
    {
        Skip.If(TestData.SigmaHqRoot is null, "SigmaHQ data not found: set YAMORI_SIGMAHQ or place ../shared next to the repository");
        (string rule, _) = Case(AmsiRule);
        File.WriteAllBytes(Path.Combine(_dir, "logs", "garbage.evtx"), [.. Enumerable.Range(0, 70000).Select(i => (byte)(i * 7))]);
        File.WriteAllText(Path.Combine(_dir, "logs", "broken.json"), "{\"Event\": {\"System\": ");

        (int code, string output, string err) = await Run("scan", Path.Combine(_dir, "logs"), "--rules", rule, "--format", "csv", "--no-progress");

        Assert.Equal(ScanCommand.InputUnreadable, code);
        Assert.Contains("garbage.evtx", err, StringComparison.Ordinal);
        Assert.Contains("broken.json", err, StringComparison.Ordinal);

        // The good file was still scanned: header plus one detection.
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("time,computer,channel,event_id,level,rule_title", lines[0], StringComparison.Ordinal);
        Assert.Contains(AmsiRule, lines[1], StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_truncated_log_is_reported_as_damaged_and_exits_2()
    {
        Skip.If(TestData.SigmaHqRoot is null, "SigmaHQ data not found: set YAMORI_SIGMAHQ or place ../shared next to the repository");
        (string rule, string evtx) = Case(AmsiRule);
        byte[] whole = File.ReadAllBytes(evtx);
        File.WriteAllBytes(evtx, whole[..(4096 + 1000)]); // the header and the start of the only chunk

        (int code, string output, string err) = await Run("scan", Path.Combine(_dir, "logs"), "--rules", rule, "--format", "csv", "--no-progress");

        Assert.Equal(ScanCommand.InputUnreadable, code);
        Assert.Contains("damaged:", err, StringComparison.Ordinal);
        Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries)); // the CSV header only
    }

    [SkippableFact]
    public async Task A_log_with_a_destroyed_file_header_still_yields_its_records()
    {
        Skip.If(TestData.SigmaHqRoot is null, "SigmaHQ data not found: set YAMORI_SIGMAHQ or place ../shared next to the repository");
        (string rule, string evtx) = Case(AmsiRule);
        byte[] bytes = File.ReadAllBytes(evtx);
        Array.Clear(bytes, 0, 4096); // zero the file header; the chunk is intact
        File.WriteAllBytes(evtx, bytes);

        (int code, string output, string err) = await Run("scan", Path.Combine(_dir, "logs"), "--rules", rule, "--format", "jsonl", "--no-progress");

        Assert.Equal(ScanCommand.DetectionsFound, code);
        Assert.Contains(AmsiRule, output, StringComparison.Ordinal);
        Assert.Contains("FileHeaderInvalid", err, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Min_level_and_time_window_filter_the_timeline()
    {
        Skip.If(TestData.SigmaHqRoot is null, "SigmaHQ data not found: set YAMORI_SIGMAHQ or place ../shared next to the repository");
        (string rule, _) = Case(AmsiRule); // a high rule; its event is at 2025-12-25T14:30:27Z

        Assert.Equal(ScanCommand.Clean, (await Run("scan", Path.Combine(_dir, "logs"), "--rules", rule, "--min-level", "critical", "--no-progress")).Code);
        Assert.Equal(ScanCommand.Clean, (await Run("scan", Path.Combine(_dir, "logs"), "--rules", rule, "--from", "2025-12-26T00:00:00Z", "--no-progress")).Code);
        Assert.Equal(ScanCommand.Clean, (await Run("scan", Path.Combine(_dir, "logs"), "--rules", rule, "--to", "2025-12-25T14:30:00Z", "--no-progress")).Code);
        Assert.Equal(ScanCommand.DetectionsFound, (await Run("scan", Path.Combine(_dir, "logs"), "--rules", rule, "--min-level", "high", "--from", "2025-12-25T14:30:00Z", "--to", "2025-12-25T14:31:00Z", "--no-progress")).Code);
    }

    [SkippableFact]
    public async Task Broken_rules_are_reported_and_the_rest_still_scan()
    {
        Skip.If(TestData.SigmaHqRoot is null, "SigmaHQ data not found: set YAMORI_SIGMAHQ or place ../shared next to the repository");
        (string rule, _) = Case(AmsiRule);
        string rules = Path.Combine(_dir, "rules");
        Directory.CreateDirectory(rules);
        File.Copy(rule, Path.Combine(rules, "good.yml"));
        File.WriteAllText(Path.Combine(rules, "bad.yml"), "title: broken\nlogsource: {product: windows}\ndetection:\n  sel:\n    Image|nosuchmodifier: x\n  condition: sel\n");
        string timeline = Path.Combine(_dir, "timeline.csv");

        (int code, string output, string err) = await Run("scan", Path.Combine(_dir, "logs"), "--rules", rules, "--output", timeline, "--format", "csv", "--no-progress");

        Assert.Equal(ScanCommand.DetectionsFound, code);
        Assert.Contains("bad.yml:5", err, StringComparison.Ordinal);
        Assert.Contains("unknown-modifier", err, StringComparison.Ordinal);
        Assert.Empty(output);
        Assert.Contains(AmsiRule, File.ReadAllText(timeline), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("scan")]
    [InlineData("scan", "x.evtx", "--format", "pdf")]
    [InlineData("scan", "x.evtx", "--threads", "0")]
    [InlineData("scan", "x.evtx", "--min-level", "severe")]
    [InlineData("scan", "x.evtx", "--from", "yesterday")]
    public async Task Usage_errors_exit_3(params string[] args)
    {
        (int code, _, string err) = await Run(args);
        Assert.Equal(ScanCommand.UsageError, code);
        Assert.Contains("exit codes:", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_documents_the_exit_codes()
    {
        (int code, string output, _) = await Run("scan", "--help");
        Assert.Equal(0, code);
        Assert.Contains("2  some input was unreadable", output, StringComparison.Ordinal);
    }
}
