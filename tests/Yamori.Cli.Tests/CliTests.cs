using System.Text.Json;
using Yamori.Cli.Commands;

namespace Yamori.Cli.Tests;

/// <summary>The <c>yamori</c> command as an analyst uses it, on files in a temporary folder.</summary>
public sealed class CliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("yamori-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string content)
    {
        string path = Path.Combine(_dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = await CommandLine.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Rules_check_reports_each_bad_rule_with_file_line_and_reason_and_loads_the_rest()
    {
        Write("rules/good.yml", """
            title: Good
            id: 11111111-1111-1111-1111-111111111111
            logsource: {product: windows, category: process_creation}
            detection:
                selection:
                    Image|endswith: '\cmd.exe'
                condition: selection
            """);
        Write("rules/bad.yml", """
            title: Bad
            id: 22222222-2222-2222-2222-222222222222
            logsource: {product: windows, category: process_creation}
            detection:
                selection:
                    Image|endswitch: '\cmd.exe'
                condition: selection
            """);

        (int code, string output, _) = await Run("rules", "check", Path.Combine(_dir, "rules"));

        Assert.Equal(1, code);
        Assert.Contains("bad.yml:6 [22222222-2222-2222-2222-222222222222]: unknown-modifier", output, StringComparison.Ordinal);
        Assert.Contains("endswitch", output, StringComparison.Ordinal);
        Assert.Contains("loaded: 1", output, StringComparison.Ordinal);
        Assert.Contains("failed: 1", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Match_prints_matches_and_correlations_as_json_lines()
    {
        Write("rules/failed_logon.yml", """
            title: Failed logon
            id: 33333333-3333-3333-3333-333333333333
            name: failed_logon
            logsource: {product: windows, service: security}
            detection:
                selection:
                    EventID: 4625
                condition: selection
            level: low
            ---
            title: Many failed logons for one user
            id: 44444444-4444-4444-4444-444444444444
            correlation:
                type: event_count
                rules: [failed_logon]
                group-by: [TargetUserName]
                timespan: 5m
                condition: {gte: 3}
            level: high
            ---
            title: Whoami
            id: 55555555-5555-5555-5555-555555555555
            logsource: {product: windows, category: process_creation}
            detection:
                selection:
                    Image|endswith: '\whoami.exe'
                condition: selection
            level: medium
            """);
        string Logon(int second, string user) =>
            """{"Event":{"System":{"Channel":"Security","EventID":4625,"Computer":"PC-01","TimeCreated":{"#attributes":{"SystemTime":"2026-11-26T01:00:"""
            + second.ToString("00", System.Globalization.CultureInfo.InvariantCulture)
            + """Z"}}},"EventData":{"TargetUserName":" """.TrimEnd() + user + "\"}}}";
        string events = Write("events.jsonl", string.Join('\n',
            Logon(1, "tanaka"), Logon(2, "suzuki"), Logon(3, "tanaka"), Logon(4, "tanaka"),
            """{"Event":{"System":{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":1,"Computer":"PC-02"},"EventData":{"Image":"C:\\Windows\\System32\\whoami.exe"}}}"""));

        (int code, string output, string err) = await Run("match", "--rules", Path.Combine(_dir, "rules"), events);

        Assert.Equal(0, code);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();

        // The failed-logon rule only feeds the correlation (generate defaults to false): not reported alone.
        Assert.DoesNotContain(lines, l => l.TryGetProperty("rule_id", out JsonElement id) && id.GetString() == "33333333-3333-3333-3333-333333333333");
        JsonElement corr = Assert.Single(lines, l => l.TryGetProperty("correlation_id", out _));
        Assert.Equal("44444444-4444-4444-4444-444444444444", corr.GetProperty("correlation_id").GetString());
        Assert.Equal("tanaka", corr.GetProperty("group_by").GetProperty("TargetUserName").GetString());
        Assert.Equal(3, corr.GetProperty("events").GetInt64());
        JsonElement whoami = Assert.Single(lines, l => l.TryGetProperty("rule_id", out _));
        Assert.Equal("Whoami", whoami.GetProperty("title").GetString());
        Assert.Equal("PC-02", whoami.GetProperty("fields").GetProperty("Computer").GetString());
        Assert.Contains("events: 5", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Match_reports_a_corrupt_events_file_and_goes_on_with_the_others()
    {
        Write("rules/r.yml", """
            title: Any whoami
            logsource: {product: windows, category: process_creation}
            detection:
                selection:
                    Image|endswith: '\whoami.exe'
                condition: selection
            """);
        string bad = Write("bad.json", "{\"Event\": {\"System\": ");
        string good = Write("good.json", """{"Event":{"System":{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":1},"EventData":{"Image":"C:\\w\\whoami.exe"}}}""");

        (int code, string output, string err) = await Run("match", "--rules", Path.Combine(_dir, "rules"), bad, good);

        Assert.Equal(1, code);
        Assert.Contains("bad.json", err, StringComparison.Ordinal);
        Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Unknown_command_prints_usage()
    {
        (int code, _, string err) = await Run("frobnicate");
        Assert.Equal(2, code);
        Assert.Contains("usage:", err, StringComparison.Ordinal);
    }
}
