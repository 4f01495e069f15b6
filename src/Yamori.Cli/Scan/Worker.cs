using System.Globalization;
using Yamori.Evtx;
using Yamori.Sigma.Correlation;
using Yamori.Sigma.Engine;
using Yamori.Sigma.Events;
using Yamori.Sigma.Rules;

namespace Yamori.Cli.Scan;

/// <summary>One scan thread: its own match session and a reused event buffer.</summary>
internal sealed class Worker(MatchSession session, CorrelationEngine? correlations)
{
    private readonly FlatEvent _event = new();
    private readonly List<SigmaRule> _matches = [];

    public Scanner.UnitResult Run(Scanner.WorkUnit unit, ScanOptions options)
    {
        var result = new Scanner.UnitResult();
        try
        {
            if (unit.Input.IsEvtx)
            {
                RunChunk(unit, options, result);
            }
            else
            {
                RunJson(unit, options, result);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            result.Failure = ex.Message;
        }

        return result;
    }

    private void RunChunk(Scanner.WorkUnit unit, ScanOptions options, Scanner.UnitResult result)
    {
        EvtxChunk chunk = unit.Input.Evtx!.DecodeChunk(unit.Chunk);
        foreach (EvtxDiagnostic d in chunk.Diagnostics)
        {
            if (d.Severity != EvtxSeverity.Info)
            {
                result.Warnings.Add(d.ToString());
                result.LostData |= Scanner.LosesData(d);
            }
        }

        result.Records += chunk.Records.Count;
        foreach (EvtxRecord record in chunk.Records)
        {
            _event.Clear();
            record.Fill(_event);
            // The event's own EventRecordID is what Event Viewer and evtxexport show; the record header's
            // number can differ (exports renumber it).
            string id = _event.TryGetField("EventRecordID", out FieldValue rid) && rid.Text is { } text ? text : record.RecordId.ToString(CultureInfo.InvariantCulture);
            Match(_event, options, result, unit.Input.Path, id);
        }
    }

    private void RunJson(Scanner.WorkUnit unit, ScanOptions options, Scanner.UnitResult result)
    {
        int n = 0;
        foreach (FlatEvent e in JsonEventReader.ReadAll(File.ReadAllBytes(unit.Input.Path)))
        {
            n++;
            result.Records++;
            Match(e, options, result, unit.Input.Path, n.ToString(CultureInfo.InvariantCulture));
        }
    }

    private void Match(FlatEvent e, ScanOptions options, Scanner.UnitResult result, string file, string recordId)
    {
        if ((options.From is { } from && e.Timestamp < from) || (options.To is { } to && e.Timestamp > to))
        {
            return;
        }

        result.Events++;
        if (e.Timestamp is { } ts)
        {
            result.First = result.First is null || ts < result.First ? ts : result.First;
            result.Last = result.Last is null || ts > result.Last ? ts : result.Last;
        }

        _matches.Clear();
        session.Match(e, _matches);
        foreach (SigmaRule rule in _matches)
        {
            string reference = $"{Path.GetFileName(file)}#{recordId}";
            if (correlations is not null && correlations.IsReferenced(rule))
            {
                result.Observations.Add(new Scanner.Observation(e.Timestamp ?? DateTimeOffset.MinValue, rule, Copy(e), reference));
                if (correlations.SuppressesOwnMatches(rule))
                {
                    continue;
                }
            }

            result.Rows.Add(new TimelineRow
            {
                Time = e.Timestamp,
                Computer = KeyFields.Text(e, "Computer"),
                Channel = KeyFields.Text(e, "Channel"),
                EventId = KeyFields.Text(e, "EventID"),
                RuleTitle = rule.Title,
                RuleId = rule.Id,
                Level = rule.Level,
                Techniques = rule.AttackTechniques,
                Fields = KeyFields.From(e),
                Source = reference,
            });
        }
    }

    private static FlatEvent Copy(FlatEvent e)
    {
        var copy = new FlatEvent { Source = e.Source, Timestamp = e.Timestamp, Reference = e.Reference };
        foreach (KeyValuePair<string, FieldValue> f in e.Fields)
        {
            copy.Set(f.Key, f.Value);
        }

        return copy;
    }
}
