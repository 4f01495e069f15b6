using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Yamori.Bench.CloudLoad;

/// <summary>
/// Alert latency from the cloud's own records after the run: for every alert created in the
/// measured window, the time from the event's timestamp (stamped by the simulated agent when it
/// shipped the batch) to the alert's row being written.
/// </summary>
internal static class AlertLatency
{
    public static void Report(string database, DateTimeOffset from, DateTimeOffset to)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = database, Mode = SqliteOpenMode.ReadOnly }.ToString());
        connection.Open();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT created_ticks - first_seen_ticks FROM alerts WHERE first_seen_ticks >= $from AND first_seen_ticks < $to ORDER BY 1";
        cmd.Parameters.AddWithValue("$from", from.UtcTicks);
        cmd.Parameters.AddWithValue("$to", to.UtcTicks);
        var latencies = new List<double>();
        using (SqliteDataReader reader = cmd.ExecuteReader())
        {
            while (reader.Read())
            {
                latencies.Add(reader.GetInt64(0) / (double)TimeSpan.TicksPerMillisecond);
            }
        }

        if (latencies.Count == 0)
        {
            Console.WriteLine("alert latency: no alert was created in the measured window");
            return;
        }

        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"alert latency (event shipped → alert stored), {latencies.Count:N0} alerts: p50 {Percentile(latencies, 0.50):F0} ms, p90 {Percentile(latencies, 0.90):F0} ms, p95 {Percentile(latencies, 0.95):F0} ms, p99 {Percentile(latencies, 0.99):F0} ms, max {latencies[^1]:F0} ms"));
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}
