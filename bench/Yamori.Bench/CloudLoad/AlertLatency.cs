namespace Yamori.Bench.CloudLoad;

/// <summary>Alert latency from the cloud's database after the run.</summary>
internal static class AlertLatency
{
    public static void Report(string database, DateTimeOffset from, DateTimeOffset to)
    {
        _ = (database, from, to);
        Console.WriteLine("alert latency: not measured yet (detection is not wired into the host)");
    }
}
