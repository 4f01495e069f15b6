using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Yamori.Cloud.Enrollment;
using Yamori.Contracts.Agent.V1;
using Yamori.Server.Tests.Support;

namespace Yamori.Server.Tests;

/// <summary>
/// <c>AgentChannel.UploadFile</c>: a collected file is accepted only from the device the collect
/// command was for, only after the command was delivered, and only when its hash is the declared
/// one. (The agent's own end-to-end tests cover the successful upload.)
/// </summary>
public sealed class UploadFileTests : IAsyncLifetime
{
    private CloudFixture _cloud = null!;
    private X509Certificate2 _ca = null!;
    private ApiClient _operator = null!;

    public async Task InitializeAsync()
    {
        _cloud = await CloudFixture.StartAsync();
        _ca = _cloud.Get<CloudCertificateAuthority>().Certificate;
        _operator = await ApiClient.SignInOperatorAsync(_cloud);
    }

    public async Task DisposeAsync()
    {
        _operator.Dispose();
        _ca.Dispose();
        await _cloud.DisposeAsync();
    }

    [Fact]
    public async Task Another_devices_upload_for_a_command_is_not_found_and_an_undelivered_one_is_refused()
    {
        using var agentA = new TestAgent(_ca);
        Yamori.Server.Api.EnrollResponse a = await agentA.EnrollAsync(_cloud.ApiUri, await _cloud.CreateTokenAsync(_cloud.TownA));
        using var agentB = new TestAgent(_ca);
        await agentB.EnrollAsync(_cloud.ApiUri, await _cloud.CreateTokenAsync(_cloud.TownB));
        JsonObject ordered = await _operator.PostAsync($"api/v1/devices/{a.DeviceId}/commands", new { kind = "collect", args = new Dictionary<string, string> { ["path"] = "/etc/hosts" } });
        string commandId = (string)ordered["id"]!;
        byte[] content = "127.0.0.1 localhost\n"u8.ToArray();

        RpcException fromB = await Assert.ThrowsAsync<RpcException>(() => UploadAsync(agentB, commandId, content, Sha(content)));
        Assert.Equal(StatusCode.NotFound, fromB.StatusCode);

        // The command has not reached device A yet: nothing can be uploaded for it.
        RpcException early = await Assert.ThrowsAsync<RpcException>(() => UploadAsync(agentA, commandId, content, Sha(content)));
        Assert.Equal(StatusCode.FailedPrecondition, early.StatusCode);
        Assert.Contains("never delivered", early.Status.Detail, StringComparison.Ordinal);

        RpcException malformed = await Assert.ThrowsAsync<RpcException>(() => UploadAsync(agentA, "not-a-command", content, Sha(content)));
        Assert.Equal(StatusCode.InvalidArgument, malformed.StatusCode);
        Assert.Null((await _operator.GetAsync($"api/v1/commands/{commandId}"))!["file"]);
    }

    [Fact]
    public async Task An_upload_whose_content_differs_from_the_declared_hash_is_not_kept()
    {
        using var agent = new TestAgent(_ca);
        Yamori.Server.Api.EnrollResponse a = await agent.EnrollAsync(_cloud.ApiUri, await _cloud.CreateTokenAsync(_cloud.TownA));
        JsonObject ordered = await _operator.PostAsync($"api/v1/devices/{a.DeviceId}/commands", new { kind = "collect", args = new Dictionary<string, string> { ["path"] = "/etc/hosts" } });
        string commandId = (string)ordered["id"]!;

        // Deliver it: open the stream and read until the command arrives.
        using GrpcChannel channel = agent.OpenChannel(_cloud.AgentUri);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var call = new AgentChannel.AgentChannelClient(channel).Connect(cancellationToken: cts.Token);
        while (await call.ResponseStream.MoveNext(cts.Token) && call.ResponseStream.Current.BodyCase != CloudMessage.BodyOneofCase.Command)
        {
        }

        byte[] content = RandomNumberGenerator.GetBytes(3 << 20);
        RpcException wrong = await Assert.ThrowsAsync<RpcException>(() => UploadAsync(agent, commandId, content, Sha("something else"u8.ToArray())));
        Assert.Equal(StatusCode.FailedPrecondition, wrong.StatusCode);
        Assert.Null((await _operator.GetAsync($"api/v1/commands/{commandId}"))!["file"]);

        UploadReceipt receipt = await UploadAsync(agent, commandId, content, Sha(content));
        Assert.Equal(Sha(content), receipt.Sha256);
        Assert.Equal((ulong)content.Length, receipt.SizeBytes);
        Assert.Equal(Sha(content), (string?)(await _operator.GetAsync($"api/v1/commands/{commandId}"))!["file"]!["sha256"]);
    }

    private async Task<UploadReceipt> UploadAsync(TestAgent agent, string commandId, byte[] content, string sha256)
    {
        using GrpcChannel channel = agent.OpenChannel(_cloud.AgentUri);
        using var call = new AgentChannel.AgentChannelClient(channel).UploadFile();
        for (int offset = 0; offset == 0 || offset < content.Length; offset += 1 << 20)
        {
            var chunk = new FileChunk { Data = ByteString.CopyFrom(content, offset, Math.Min(1 << 20, content.Length - offset)) };
            if (offset == 0)
            {
                chunk.CommandId = commandId;
                chunk.Sha256 = sha256;
                chunk.SizeBytes = (ulong)content.Length;
            }

            await call.RequestStream.WriteAsync(chunk);
        }

        await call.RequestStream.CompleteAsync();
        return await call.ResponseAsync;
    }

    private static string Sha(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));
}
