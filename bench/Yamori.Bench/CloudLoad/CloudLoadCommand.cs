using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using Yamori.Cloud.Ingest;
using Yamori.Contracts.Agent.V1;
using Yamori.Sigma.Events;

namespace Yamori.Bench.CloudLoad;

/// <summary>
/// <c>cloud-load</c>: the whole cloud under agent load. <c>yamori up</c> runs as its own process with
/// every SigmaHQ rule loaded; this process simulates N agents (enrolled for real, one mutual-TLS
/// gRPC stream each) sending the bench's Windows event mix as fast as the cloud acknowledges.
/// Reports sustained acknowledged events/s, the cloud's CPU and peak RSS, and alert latency.
/// </summary>
internal static class CloudLoadCommand
{
    public const string Usage = """
          cloud-load [--agents N] [--seconds N] [--warmup N] [--batch N] [--rate EVENTS/S] [--no-rules]
                     N simulated agents (default 1000) over real gRPC + mutual TLS against `yamori up`
                     (separate process, every SigmaHQ rule loaded): sustained events/s, cloud CPU and
                     peak RSS, alert latency (event shipped → alert stored) p50/p99. Without --rate the
                     agents send as fast as acknowledged (throughput); with --rate the fleet is paced to
                     that total (latency at a sustainable load)
        """;

    public static int Run(string[] args) => RunAsync(args).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(string[] args)
    {
        int agents = Args.Int(args, "--agents", 1000);
        int seconds = Args.Int(args, "--seconds", 60);
        int warmup = Args.Int(args, "--warmup", 15);
        int batch = Args.Int(args, "--batch", 100);
        double rate = Args.Double(args, "--rate", 0);
        string root = SigmaHq.RequireRoot();
        Console.WriteLine(Machine.Describe());

        // Stamped again by each simulated agent when it ships a batch.
        var mix = new EncodedMix([.. Workloads.Mix(SigmaHq.RegressionEvents(root), Workloads.DefaultCount).Events.Select(e => RecordedEvents.ToWire(e, DateTimeOffset.UtcNow))]);
        string data = Path.Combine(Path.GetTempPath(), "yamori-cloud-load-" + Guid.NewGuid().ToString("N")[..8]);
        var cloudArgs = new List<string> { "--demo" };
        if (args.Contains("--no-rules"))
        {
            // An empty folder: ingest without detection, to separate the two costs.
            string empty = Directory.CreateTempSubdirectory("yamori-no-rules-").FullName;
            cloudArgs.AddRange(["--rules", empty]);
        }
        else
        {
            foreach (string folder in SigmaHq.RuleFolders)
            {
                cloudArgs.AddRange(["--rules", Path.Combine(root, folder)]);
            }

            cloudArgs.AddRange(["--placeholders", SigmaHq.PlaceholdersPath()]);
        }

        var startup = Stopwatch.StartNew();
        // --cloud-env K=V (repeatable): runtime knobs for the cloud process only, for experiments.
        Dictionary<string, string> environment = Args.Pairs(args, "--cloud-env");
        using CloudProcess cloud = await CloudProcess.StartAsync(data, cloudArgs, environment);
        Console.WriteLine($"cloud: pid {cloud.Pid}, ready in {startup.Elapsed.TotalSeconds:F1} s (data {data})");

        using X509Certificate2 ca = X509CertificateLoader.LoadCertificateFromFile(Yamori.Cloud.Enrollment.CertificateAuthorityFiles.In(data).Certificate);
        IReadOnlyList<string> tokens = await OperatorApi.EnrollmentTokensAsync(cloud, ca, agents);
        var fleet = new SimulatedAgent[agents];
        var enroll = Stopwatch.StartNew();
        using (var api = new HttpClient(SimulatedAgent.Handler(ca, null)) { BaseAddress = cloud.Api })
        {
            await Parallel.ForAsync(0, agents, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
            {
                fleet[i] = new SimulatedAgent(ca);
                await fleet[i].EnrollAsync(api, tokens[i % tokens.Count], $"pc-{i:D4}");
            });
        }

        Console.WriteLine($"enrolled {agents} agents in {enroll.Elapsed.TotalSeconds:F1} s");

        using var stop = new CancellationTokenSource();
        Task[] running = fleet.Select((a, i) => a.RunAsync(cloud.Agent, mix, i * 37 % mix.Count, batch, rate / agents, stop.Token)).ToArray();
        await Task.Delay(TimeSpan.FromSeconds(warmup));
        long ackedBefore = fleet.Sum(a => Interlocked.Read(ref a.AckedEvents));
        double cpuBefore = cloud.CpuSeconds();
        TimeSpan selfBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var window = Stopwatch.StartNew();
        DateTimeOffset measureFrom = DateTimeOffset.UtcNow;
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        long ackedAfter = fleet.Sum(a => Interlocked.Read(ref a.AckedEvents));
        double cpuAfter = cloud.CpuSeconds();
        TimeSpan selfAfter = Process.GetCurrentProcess().TotalProcessorTime;
        double elapsed = window.Elapsed.TotalSeconds;
        DateTimeOffset measureTo = DateTimeOffset.UtcNow;
        double peakRss = cloud.PeakRssMiB();
        await stop.CancelAsync();
        await Task.WhenAll(running);
        await cloud.StopAsync();

        double achieved = (ackedAfter - ackedBefore) / elapsed;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""

            agents {agents}, batch {batch} events, window 8 batches per agent, {seconds} s measured after {warmup} s warm-up, offered load {(rate > 0 ? $"{rate:N0} events/s (paced)" : "as fast as acknowledged")}
            sustained: {achieved:N0} events/s acknowledged (durably committed and through detection)
            cloud CPU: {(cpuAfter - cpuBefore) / elapsed * 100:F0}% of one core (of {Environment.ProcessorCount}); peak RSS {peakRss:F0} MiB
            simulator CPU (same machine, competing for the same cores): {(selfAfter - selfBefore).TotalSeconds / elapsed * 100:F0}% of one core
            """));
        if (fleet.Count(a => a.Failure is not null) is > 0 and int failed)
        {
            Console.WriteLine($"agents whose stream failed and did not recover: {failed} (first: {fleet.First(a => a.Failure is not null).Failure})");
        }

        AlertLatency.Report(Path.Combine(data, "yamori.db"), measureFrom, measureTo);
        foreach (SimulatedAgent agent in fleet)
        {
            agent.Dispose();
        }

        if (args.Contains("--keep-data"))
        {
            Console.WriteLine($"data kept in {data}");
        }
        else
        {
            Directory.Delete(data, recursive: true);
        }
        return 0;
    }
}
