using Yamori.Agent.Telemetry;
using Yamori.Evtx;
using Yamori.Sigma.Events;

namespace Yamori.Agent.Replay;

/// <summary>
/// <c>yamori-agent replay</c>: recorded events (EVTX through the scanner's decoder, SigmaHQ's JSON
/// twins, JSON Lines) pushed through the normal pipeline as if they happened now, so demos and tests
/// send real attack recordings the way a live host would. A damaged file is reported by name and
/// position; the events before the damage are still sent.
/// </summary>
public static class ReplaySource
{
    public static ReplayReport Replay(IEnumerable<string> paths, ITelemetrySink sink, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        var problems = new List<string>();
        long events = 0;
        long shed = 0;
        foreach (string path in paths)
        {
            if (!File.Exists(path))
            {
                problems.Add($"{path}: no such file");
                continue;
            }

            try
            {
                foreach (FlatEvent e in Read(path, problems))
                {
                    e.Timestamp = time.GetUtcNow();
                    if (sink.Publish(e, EventPriority.Normal))
                    {
                        events++;
                    }
                    else
                    {
                        shed++;
                    }
                }
            }
            catch (Exception ex) when (ex is FormatException or IOException or InvalidDataException)
            {
                problems.Add($"{path}: {ex.Message}");
            }
        }

        return new ReplayReport(events, shed, problems);
    }

    private static IEnumerable<FlatEvent> Read(string path, List<string> problems)
    {
        if (path.EndsWith(".evtx", StringComparison.OrdinalIgnoreCase))
        {
            using EvtxFile file = EvtxFile.Open(path);
            foreach (EvtxRecord record in file.Records())
            {
                var e = new FlatEvent();
                record.Fill(e);
                yield return e;
            }

            foreach (EvtxDiagnostic d in file.Diagnostics)
            {
                problems.Add($"{path}: {d}");
            }

            yield break;
        }

        foreach (FlatEvent e in JsonEventReader.ReadAll(File.ReadAllBytes(path), path))
        {
            yield return e;
        }
    }
}

/// <summary>What a replay sent, what the governor shed, and every file problem (file and position).</summary>
public sealed record ReplayReport(long Events, long Shed, IReadOnlyList<string> Problems);
