using System.Globalization;
using Yamori.Sigma.Events;

namespace Yamori.Bench;

/// <summary>A prebuilt event set: built once, before any timing, and replayed unchanged on every pass.</summary>
internal sealed class Workload(string name, FlatEvent[] events, bool[] isOriginal)
{
    public string Name { get; } = name;

    public FlatEvent[] Events { get; } = events;

    /// <summary>Per event: true when it is an unmodified SigmaHQ regression event (one the rules are meant to catch).</summary>
    public bool[] IsOriginal { get; } = isOriginal;

    public int Originals => IsOriginal.Count(o => o);
}

/// <summary>
/// The two workloads the figures are quoted for. Both are mostly benign, as a real fleet's events
/// are: a detection engine spends nearly all its time proving that nothing matches, so that is
/// what has to be fast. About 1% are SigmaHQ's recorded attacks, so the match path is exercised too.
/// </summary>
internal static class Workloads
{
    public const int DefaultCount = 20_000;

    /// <summary>One original regression event per this many events of a kind that has templates.</summary>
    private const int OriginalEvery = 100;

    public static Workload Build(string name, List<FlatEvent> regression, int count) => name switch
    {
        "process-creation" => ProcessCreation(regression, count),
        "mix" => Mix(regression, count),
        _ => throw new ArgumentException($"unknown workload '{name}' (process-creation, mix)"),
    };

    /// <summary>Sysmon EID 1 only: variants of every process-creation regression event.</summary>
    public static Workload ProcessCreation(List<FlatEvent> regression, int count)
    {
        var synth = new EventSynth(seed: 1);
        FlatEvent[] templates = Sysmon(regression, 1);
        var events = new FlatEvent[count];
        var originals = new bool[count];
        for (int i = 0; i < count; i++)
        {
            synth.Begin();
            events[i] = FromTemplate(synth, templates, i, out originals[i], WindowsEvents.ProcessCreation);
        }

        return new Workload("process-creation", events, originals);
    }

    /// <summary>A realistic Windows endpoint mix by share of events, shuffled deterministically.</summary>
    public static Workload Mix(List<FlatEvent> regression, int count)
    {
        var synth = new EventSynth(seed: 2);
        (int Kind, double Share)[] shares = [(1, 0.35), (3, 0.10), (11, 0.15), (13, 0.15), (7, 0.10), (10, 0.03), (22, 0.05), (4624, 0.07)];
        var kinds = new List<int>(count);
        foreach ((int kind, double share) in shares)
        {
            int n = (int)Math.Round(share * count);
            for (int j = 0; j < n && kinds.Count < count; j++)
            {
                kinds.Add(kind);
            }
        }

        while (kinds.Count < count)
        {
            kinds.Add(1);
        }

        for (int i = kinds.Count - 1; i > 0; i--)
        {
            int j = synth.Next(i + 1);
            (kinds[i], kinds[j]) = (kinds[j], kinds[i]);
        }

        var templates = new Dictionary<int, FlatEvent[]>
        {
            [1] = Sysmon(regression, 1),
            [7] = Sysmon(regression, 7),
            [10] = Sysmon(regression, 10),
            [11] = Sysmon(regression, 11),
            [13] = Sysmon(regression, 13),
        };
        var seen = new Dictionary<int, int>();
        var events = new FlatEvent[count];
        var originals = new bool[count];
        for (int i = 0; i < count; i++)
        {
            synth.Begin();
            int kind = kinds[i];
            int nth = seen[kind] = seen.TryGetValue(kind, out int s) ? s + 1 : 0;
            events[i] = kind switch
            {
                1 => FromTemplate(synth, templates[1], nth, out originals[i], WindowsEvents.ProcessCreation),
                7 => FromTemplate(synth, templates[7], nth, out originals[i], WindowsEvents.ImageLoad),
                10 => FromTemplate(synth, templates[10], nth, out originals[i], WindowsEvents.ProcessAccess),
                11 => FromTemplate(synth, templates[11], nth, out originals[i], WindowsEvents.FileCreate),
                13 => FromTemplate(synth, templates[13], nth, out originals[i], WindowsEvents.RegistrySet),
                // Kinds without regression events are all synthesized, so all benign (originals[i] stays false).
                3 => WindowsEvents.Network(synth),
                22 => WindowsEvents.Dns(synth),
                _ => WindowsEvents.Security(synth),
            };
        }

        return new Workload("mix", events, originals);
    }

    /// <summary>Every Sysmon event of one EventID among the regression events; the workloads need at least one.</summary>
    private static FlatEvent[] Sysmon(List<FlatEvent> regression, int eventId)
    {
        string id = eventId.ToString(CultureInfo.InvariantCulture);
        FlatEvent[] found = [.. regression.Where(e =>
            e.TryGetField("Channel", out FieldValue ch) && ch.Text == EventSynth.SysmonChannel &&
            e.TryGetField("EventID", out FieldValue ev) && ev.Text == id)];
        return found.Length > 0 ? found : throw new InvalidOperationException($"no Sysmon EventID {eventId} event in regression_data");
    }

    /// <summary>Every 100th event of a kind is a regression event as recorded; the rest are benign variants of them.</summary>
    private static FlatEvent FromTemplate(EventSynth synth, FlatEvent[] templates, int nth, out bool original, Func<EventSynth, FlatEvent, FlatEvent> vary)
    {
        if (nth % OriginalEvery == 0)
        {
            // Cycle through every template in turn, whatever the template count's factors.
            original = true;
            return templates[nth / OriginalEvery % templates.Length];
        }

        original = false;
        return vary(synth, templates[nth % templates.Length]);
    }
}
