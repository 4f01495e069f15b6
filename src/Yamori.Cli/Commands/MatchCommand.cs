using System.Buffers;
using System.Text;
using System.Text.Json;
using Yamori.Sigma.Correlation;
using Yamori.Sigma.Engine;
using Yamori.Sigma.Events;
using Yamori.Sigma.Loading;
using Yamori.Sigma.Parsing;
using Yamori.Sigma.Rules;

namespace Yamori.Cli.Commands;

/// <summary><c>yamori match</c>: runs rules over JSON events and prints each match as a JSON line.</summary>
internal static class MatchCommand
{
    private static readonly string[] KeyFields = ["Computer", "Channel", "EventID", "Image", "CommandLine", "ParentImage", "User", "TargetFilename", "TargetObject"];

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var options = new Options(args, "rules", "placeholders", "logsource");
        if (options.All("rules").Count == 0 || options.Positional.Count == 0)
        {
            throw new UsageException("match needs --rules and at least one events file");
        }

        RuleSet set = RuleLoader.Load(options.All("rules"), options.CompileOptions());
        foreach (RuleError e in set.Errors)
        {
            await stderr.WriteLineAsync($"rule error: {e}");
        }

        LogSourceHint declared = ParseLogSource(options.One("logsource"));
        var pipeline = new DetectionPipeline(new SigmaEngine(set));
        var matches = new List<SigmaRule>();
        var correlations = new List<CorrelationMatch>();
        int failedFiles = 0;
        long events = 0, total = 0;
        var buffer = new ArrayBufferWriter<byte>();
        await using var json = new Utf8JsonWriter(buffer);
        foreach (string file in options.Positional)
        {
            IEnumerable<FlatEvent> source;
            try
            {
                source = JsonEventReader.ReadAll(await File.ReadAllBytesAsync(file), file).ToList();
            }
            catch (Exception ex) when (ex is IOException or FormatException or UnauthorizedAccessException)
            {
                await stderr.WriteLineAsync($"{file}: {ex.Message}");
                failedFiles++;
                continue;
            }

            foreach (FlatEvent e in source)
            {
                events++;
                if (e.Source.IsEmpty && !declared.IsEmpty)
                {
                    e.Source = declared;
                }

                matches.Clear();
                correlations.Clear();
                pipeline.Process(e, e.Reference ?? $"{file}#{events}", matches, correlations);
                foreach (SigmaRule rule in matches)
                {
                    total++;
                    Write(json, rule, e);
                    await Emit(stdout, buffer, json);
                }

                total += await WriteCorrelations(stdout, buffer, json, correlations);
            }
        }

        correlations.Clear();
        pipeline.Flush(correlations);
        total += await WriteCorrelations(stdout, buffer, json, correlations);

        await stderr.WriteLineAsync($"events: {events}, matches: {total}, rules: {set.Rules.Count}, rule errors: {set.Errors.Count}, failed files: {failedFiles}");
        return failedFiles == 0 ? 0 : 1;
    }

    private static async Task Emit(TextWriter stdout, ArrayBufferWriter<byte> buffer, Utf8JsonWriter json)
    {
        await stdout.WriteLineAsync(Encoding.UTF8.GetString(buffer.WrittenSpan));
        buffer.ResetWrittenCount();
        json.Reset();
    }

    private static async Task<int> WriteCorrelations(TextWriter stdout, ArrayBufferWriter<byte> buffer, Utf8JsonWriter json, List<CorrelationMatch> correlations)
    {
        foreach (CorrelationMatch c in correlations)
        {
            json.WriteStartObject();
            json.WriteString("correlation_id", c.Rule.Id);
            json.WriteString("title", c.Rule.Title);
            json.WriteString("level", c.Rule.Level.ToSigma());
            json.WriteString("type", c.Rule.Type.ToString());
            json.WriteString("window_start", c.WindowStart.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            json.WriteString("window_end", c.WindowEnd.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            json.WriteNumber("value", c.Value);
            json.WriteNumber("events", c.EventCount);
            json.WriteStartObject("group_by");
            foreach (KeyValuePair<string, string> g in c.GroupBy)
            {
                json.WriteString(g.Key, g.Value);
            }

            json.WriteEndObject();
            json.WriteStartArray("event_refs");
            foreach (string r in c.EventRefs)
            {
                json.WriteStringValue(r);
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.Flush();
            await Emit(stdout, buffer, json);
        }

        return correlations.Count;
    }

    private static void Write(Utf8JsonWriter json, SigmaRule rule, FlatEvent e)
    {
        json.WriteStartObject();
        json.WriteString("rule_id", rule.Id);
        json.WriteString("title", rule.Title);
        json.WriteString("level", rule.Level.ToSigma());
        json.WriteStartArray("techniques");
        foreach (string t in rule.AttackTechniques)
        {
            json.WriteStringValue(t);
        }

        json.WriteEndArray();
        if (e.Timestamp is { } ts)
        {
            json.WriteString("timestamp", ts.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        }

        if (e.Reference is { } r)
        {
            json.WriteString("event", r);
        }

        json.WriteStartObject("fields");
        foreach (string f in KeyFields)
        {
            if (e.TryGetField(f, out FieldValue v))
            {
                json.WriteString(f, v.ToString());
            }
        }

        json.WriteEndObject();
        json.WriteEndObject();
        json.Flush();
    }

    private static LogSourceHint ParseLogSource(string? text)
    {
        if (text is null)
        {
            return default;
        }

        string? product = null, category = null, service = null;
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] kv = part.Split('=', 2);
            if (kv.Length != 2)
            {
                throw new UsageException($"--logsource: '{part}' is not key=value");
            }

            switch (kv[0])
            {
                case "product": product = kv[1]; break;
                case "category": category = kv[1]; break;
                case "service": service = kv[1]; break;
                default: throw new UsageException($"--logsource: unknown key '{kv[0]}' (product, category, service)");
            }
        }

        return new LogSourceHint(product, category, service);
    }
}
