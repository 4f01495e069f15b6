using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using Yamori.Cloud.Enrollment;
using Yamori.Contracts.Agent.V1;
using Yamori.Server.Hosting;
using Yamori.Server.Tests.Support;

namespace Yamori.Server.Tests;

/// <summary>
/// Ingest limits from configuration reach agents through the real host, and the stream that reads
/// raw messages before parsing them answers good and bad ones over real gRPC.
/// </summary>
public sealed class IngestSettingsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Configured_limits_are_announced_and_enforced_and_garbage_ends_only_its_stream()
    {
        await using CloudFixture cloud = await CloudFixture.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Yamori:AgentStreams:MaxInFlightPerDevice"] = "3",
            ["Yamori:Ingest:MaxBatchEvents"] = "40",
        });
        using X509Certificate2 ca = cloud.Get<CloudCertificateAuthority>().Certificate;
        using var agent = new TestAgent(ca);
        await agent.EnrollAsync(cloud.ApiUri, await cloud.CreateTokenAsync(cloud.TownA));
        using GrpcChannel channel = agent.OpenChannel(cloud.AgentUri);
        using var cts = new CancellationTokenSource(Timeout);

        using (AsyncDuplexStreamingCall<AgentMessage, CloudMessage> call = new AgentChannel.AgentChannelClient(channel).Connect(cancellationToken: cts.Token))
        {
            Assert.True(await call.ResponseStream.MoveNext(cts.Token));
            Assert.True(await call.ResponseStream.MoveNext(cts.Token));
            FlowControl limits = call.ResponseStream.Current.FlowControl;
            Assert.Equal((3u, 40u), (limits.MaxInFlightBatches, limits.MaxBatchEvents));

            await call.RequestStream.WriteAsync(TestAgent.Batch(1, 41));
            await call.RequestStream.WriteAsync(TestAgent.Batch(2, 40));
            Assert.True(await call.ResponseStream.MoveNext(cts.Token));
            Assert.Equal((1UL, RejectReason.TooManyEvents), (call.ResponseStream.Current.BatchRejected.Sequence, call.ResponseStream.Current.BatchRejected.Reason));
            Assert.Equal(2UL, await TestAgent.WaitForAckAsync(call.ResponseStream, 2, cts.Token));
            await call.RequestStream.CompleteAsync();
        }

        // Bytes that are not an AgentMessage, sent as the Connect method's request: that stream ends
        // with InvalidArgument and says why; the device's next stream works.
        var raw = new Method<byte[], byte[]>(MethodType.DuplexStreaming, AgentChannel.Descriptor.FullName, "Connect", Marshallers.Create((byte[] b) => b, b => b), Marshallers.Create((byte[] b) => b, b => b));
        using (AsyncDuplexStreamingCall<byte[], byte[]> garbage = channel.CreateCallInvoker().AsyncDuplexStreamingCall(raw, null, new CallOptions(cancellationToken: cts.Token)))
        {
            await garbage.RequestStream.WriteAsync([0x0A, 0x05, 0x08, 0x03, 0x12, 0x7F, 0x00]);
            RpcException ended = await Assert.ThrowsAsync<RpcException>(async () =>
            {
                while (await garbage.ResponseStream.MoveNext(cts.Token))
                {
                }
            });
            Assert.Equal(StatusCode.InvalidArgument, ended.StatusCode);
            Assert.Contains("not a valid AgentMessage", ended.Status.Detail, StringComparison.Ordinal);
        }

        using (AsyncDuplexStreamingCall<AgentMessage, CloudMessage> call = new AgentChannel.AgentChannelClient(channel).Connect(cancellationToken: cts.Token))
        {
            Assert.True(await call.ResponseStream.MoveNext(cts.Token));
            Assert.Equal(2UL, call.ResponseStream.Current.Ack.Sequence);
            await call.RequestStream.WriteAsync(TestAgent.Batch(3, 1));
            Assert.Equal(3UL, await TestAgent.WaitForAckAsync(call.ResponseStream, 3, cts.Token));
            await call.RequestStream.CompleteAsync();
        }
    }

    [Theory]
    [InlineData("Yamori:Ingest:MaxBatchEvents", "0", "MaxBatchEvents")]
    [InlineData("Yamori:AgentStreams:MaxBufferedBatches", "-1", "MaxBufferedBatches")]
    [InlineData("Yamori:Ingest:MaxGroupEvents", "many", "Yamori:Ingest:MaxGroupEvents")]
    public void A_bad_limit_stops_start_up_naming_the_setting(string key, string value, string named)
    {
        string data = Path.Combine(Path.GetTempPath(), "yamori-server-tests", Guid.NewGuid().ToString("N"));
        try
        {
            var options = new ServerOptions { DataDirectory = data, ApiEndpoint = new(System.Net.IPAddress.Loopback, 0), AgentEndpoint = new(System.Net.IPAddress.Loopback, 0) };
            Exception refused = Assert.ThrowsAny<Exception>(() => CloudServer.Build(options, settings: new Dictionary<string, string?> { [key] = value }));
            Assert.Contains(named, refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }
}
