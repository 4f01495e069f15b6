using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Grpc.Core;
using Grpc.Net.Client;
using Yamori.Cloud.Enrollment;
using Yamori.Cloud.Events;
using Yamori.Cloud.Storage;
using Yamori.Cloud.Storage.Sqlite;
using Yamori.Cloud.Tenancy;
using Yamori.Contracts.Agent.V1;
using Yamori.Server.Tests.Support;

namespace Yamori.Server.Tests;

/// <summary>
/// The fault test of the whole cloud: <c>yamori up</c> runs as its own process, simulated agents
/// enroll with the demo token it prints and stream over mutual TLS, and the process is SIGKILLed
/// twice while they stream and restarted on the same data directory. Agents behave like the real
/// one: they keep every batch until it is acknowledged and, after reconnecting, resume from the
/// watermark the cloud announces. Afterwards every batch is stored exactly once and no gap exists.
/// </summary>
public sealed partial class CloudKillTests : IDisposable
{
    private const int Agents = 12;
    private const ulong Batches = 80;
    private const int EventsPerBatch = 25;
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(3);

    private readonly string _data = Path.Combine(Path.GetTempPath(), "yamori-kill-tests", Guid.NewGuid().ToString("N"));
    private readonly int _apiPort = Yamori.Tests.TestPorts.Reserve();
    private readonly int _agentPort = Yamori.Tests.TestPorts.Reserve();

    public void Dispose()
    {
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Acknowledged_events_survive_SIGKILL_of_the_cloud_and_are_stored_exactly_once()
    {
        using var cts = new CancellationTokenSource(Deadline);
        (Process server, string token) = await StartCloudAsync(demo: true, cts.Token);
        using X509Certificate2 ca = X509CertificateLoader.LoadCertificateFromFile(CertificateAuthorityFiles.In(_data).Certificate);
        var api = new Uri($"https://127.0.0.1:{_apiPort}/");
        var agentUri = new Uri($"https://127.0.0.1:{_agentPort}/");

        var agents = new List<TestAgent>();
        for (int i = 0; i < Agents; i++)
        {
            var agent = new TestAgent(ca);
            await agent.EnrollAsync(api, token, $"pc-{i:D3}");
            agents.Add(agent);
        }

        var acked = new long[Agents];
        Task[] streaming = agents.Select((agent, i) => StreamUntilAllAckedAsync(agent, agentUri, acked, i, cts.Token)).ToArray();

        int kills = 0;
        foreach (long threshold in new[] { Agents * (long)Batches / 5, Agents * (long)Batches / 2 })
        {
            while (acked.Sum() < threshold)
            {
                await Task.Delay(5, cts.Token);
            }

            Assert.True(acked.Sum() < Agents * (long)Batches, "the agents finished before the kill; make the stream longer");
            server.Kill(entireProcessTree: true); // SIGKILL: no flush, no graceful anything
            await server.WaitForExitAsync(cts.Token);
            server.Dispose();
            kills++;
            (server, _) = await StartCloudAsync(demo: false, cts.Token);
        }

        await Task.WhenAll(streaming);
        server.Kill(entireProcessTree: true);
        await server.WaitForExitAsync(cts.Token);
        server.Dispose();
        Assert.Equal(2, kills);

        using var store = new SqliteEventStore(SqliteDatabase.Open(Path.Combine(_data, "yamori.db")));
        foreach (TestAgent agent in agents)
        {
            var tenant = TenantScope.For(new TenantId(Guid.Parse(agent.Identity!.TenantId)));
            var device = DeviceId.Parse(agent.Identity.DeviceId);
            Assert.Equal(Batches, await store.GetWatermarkAsync(tenant, device));
            var stored = new List<StoredEvent>();
            long? after = null;
            while (true)
            {
                IReadOnlyList<StoredEvent> page = await store.QueryEventsAsync(tenant, new EventQuery(device, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1), 1000, after));
                stored.AddRange(page);
                if (page.Count < 1000)
                {
                    break;
                }

                after = page[^1].Id;
            }

            Assert.Equal((int)Batches * EventsPerBatch, stored.Count);
            Assert.Equal(stored.Count, stored.Select(e => (e.Sequence, e.Index)).Distinct().Count());
            Assert.Empty(await store.QueryGapsAsync(tenant, device));
            agent.Dispose();
        }
    }

    /// <summary>An agent's uplink loop: keep every batch until acked, reconnect after any failure, resume from the announced watermark.</summary>
    private static async Task StreamUntilAllAckedAsync(TestAgent agent, Uri endpoint, long[] acked, int index, CancellationToken ct)
    {
        while (Interlocked.Read(ref acked[index]) < (long)Batches)
        {
            try
            {
                using GrpcChannel channel = agent.OpenChannel(endpoint);
                using var call = new AgentChannel.AgentChannelClient(channel).Connect(cancellationToken: ct);
                Assert.True(await call.ResponseStream.MoveNext(ct));
                ulong watermark = call.ResponseStream.Current.Ack.Sequence;

                // The cloud never forgets an ack: its watermark can only be at or above what we saw.
                Assert.True((long)watermark >= Interlocked.Read(ref acked[index]), $"watermark {watermark} below an earlier ack {acked[index]}");
                Interlocked.Exchange(ref acked[index], (long)watermark);
                Task reader = Task.Run(
                    async () =>
                    {
                        while (await call.ResponseStream.MoveNext(ct))
                        {
                            if (call.ResponseStream.Current.BodyCase == CloudMessage.BodyOneofCase.Ack)
                            {
                                Interlocked.Exchange(ref acked[index], (long)call.ResponseStream.Current.Ack.Sequence);
                            }

                            if (Interlocked.Read(ref acked[index]) == (long)Batches)
                            {
                                return;
                            }
                        }
                    },
                    ct);
                for (ulong sequence = watermark + 1; sequence <= Batches; sequence++)
                {
                    // A window of 8 unacknowledged batches, like the real agent.
                    while ((long)sequence - Interlocked.Read(ref acked[index]) > 8 && !reader.IsCompleted)
                    {
                        await Task.Delay(2, ct);
                    }

                    await call.RequestStream.WriteAsync(TestAgent.Batch(sequence, EventsPerBatch), ct);
                }

                await reader;
                await call.RequestStream.CompleteAsync();
            }
            catch (Exception ex) when (ex is RpcException or IOException or HttpRequestException or InvalidOperationException && !ct.IsCancellationRequested)
            {
                await Task.Delay(100, ct);
            }
        }
    }

    private async Task<(Process Server, string Token)> StartCloudAsync(bool demo, CancellationToken ct)
    {
        string yamori = Path.Combine(AppContext.BaseDirectory, "yamori.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { yamori, "up", "--data", _data, "--api", $"127.0.0.1:{_apiPort}", "--agent", $"127.0.0.1:{_agentPort}" })
        {
            start.ArgumentList.Add(arg);
        }

        if (demo)
        {
            start.ArgumentList.Add("--demo");
        }

        var process = Process.Start(start)!;
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        string token = "";
        while (await process.StandardOutput.ReadLineAsync(ct) is { } line)
        {
            if (TokenLine().Match(line) is { Success: true } m && token.Length == 0)
            {
                token = m.Groups[1].Value;
            }

            if (line.StartsWith("Press Ctrl+C", StringComparison.Ordinal))
            {
                // Keep draining stdout so the server never blocks on a full pipe.
                _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
                return (process, token);
            }
        }

        throw new InvalidOperationException($"yamori up exited with {process.ExitCode} before it was ready");
    }

    [GeneratedRegex(@"enrollment token for LGWAN接続系 .*: (ymt_\S+)$")]
    private static partial Regex TokenLine();
}
