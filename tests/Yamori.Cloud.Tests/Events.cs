using Yamori.Cloud.Events;

namespace Yamori.Cloud.Tests;

/// <summary>Builders for test telemetry.</summary>
internal static class Events
{
    public static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    /// <summary>A process-creation event whose fields identify its batch and position.</summary>
    public static TelemetryEvent Process(ulong sequence, int index, DateTimeOffset? time = null) => new(
        time ?? T0.AddSeconds((double)sequence).AddMilliseconds(index),
        new LogSource("windows", "process_creation", ""),
        [
            new EventField("Image", EventValue.From(@"C:\Windows\System32\cmd.exe")),
            new EventField("CommandLine", EventValue.From($"cmd.exe /c echo {sequence}-{index}")),
            new EventField("ProcessId", EventValue.From((long)(1000 + index))),
            new EventField("Seq", EventValue.From((long)sequence)),
            new EventField("Idx", EventValue.From((long)index)),
        ]);

    public static TelemetryEvent[] Batch(ulong sequence, int count) =>
        Enumerable.Range(0, count).Select(i => Process(sequence, i)).ToArray();
}
