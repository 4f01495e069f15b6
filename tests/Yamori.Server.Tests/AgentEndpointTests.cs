using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using Yamori.Cloud.Audit;
using Yamori.Cloud.Enrollment;
using Yamori.Cloud.Storage;
using Yamori.Cloud.Tenancy;
using Yamori.Contracts.Agent.V1;
using Yamori.Server.Agents;
using Yamori.Server.Tests.Support;

namespace Yamori.Server.Tests;

/// <summary>Enrollment and the agent stream through the real host: Kestrel, TLS, HTTP/2, gRPC.</summary>
public sealed class AgentEndpointTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private CloudFixture _cloud = null!;
    private X509Certificate2 _ca = null!;

    public async Task InitializeAsync()
    {
        _cloud = await CloudFixture.StartAsync();
        _ca = _cloud.Get<CloudCertificateAuthority>().Certificate;
    }

    public async Task DisposeAsync()
    {
        _ca.Dispose();
        await _cloud.DisposeAsync();
    }

    [Fact]
    public async Task Enrolled_agent_streams_and_gets_acks_after_commit()
    {
        using var agent = new TestAgent(_ca);
        var identity = await agent.EnrollAsync(_cloud.ApiUri, await _cloud.CreateTokenAsync(_cloud.TownA));
        Assert.Equal(_cloud.TownA.Id.ToString(), identity.TenantId);

        using GrpcChannel channel = agent.OpenChannel(_cloud.AgentUri);
        using var cts = new CancellationTokenSource(Timeout);
        using AsyncDuplexStreamingCall<AgentMessage, CloudMessage> call = new AgentChannel.AgentChannelClient(channel).Connect(cancellationToken: cts.Token);

        // On connect: the watermark (nothing yet), then the limits.
        Assert.True(await call.ResponseStream.MoveNext(cts.Token));
        Assert.Equal(0UL, call.ResponseStream.Current.Ack.Sequence);

        await call.RequestStream.WriteAsync(TestAgent.Batch(1, 3));
        await call.RequestStream.WriteAsync(TestAgent.Batch(2, 2));
        Assert.Equal(2UL, await TestAgent.WaitForAckAsync(call.ResponseStream, 2, cts.Token));

        // The ack promised durability: the events are in the store under the certificate's tenant and device.
        var device = DeviceId.Parse(identity.DeviceId);
        var stored = await _cloud.Get<IEventStore>().QueryEventsAsync(
            TenantScope.For(_cloud.TownA.Id), new EventQuery(device, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1)));
        Assert.Equal(5, stored.Count);
        Assert.All(stored, e => Assert.Equal(_cloud.TownA.Id, e.Tenant));
        Assert.Empty(await _cloud.Get<IEventStore>().QueryEventsAsync(
            TenantScope.For(_cloud.TownB.Id), new EventQuery(device, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1))));

        // A re-sent batch is acknowledged again and not stored twice; a jump records a gap.
        await call.RequestStream.WriteAsync(TestAgent.Batch(2, 2));
        Assert.Equal(2UL, await TestAgent.WaitForAckAsync(call.ResponseStream, 2, cts.Token));
        await call.RequestStream.WriteAsync(TestAgent.Batch(5, 1));
        Assert.Equal(5UL, await TestAgent.WaitForAckAsync(call.ResponseStream, 5, cts.Token));
        await call.RequestStream.CompleteAsync();

        stored = await _cloud.Get<IEventStore>().QueryEventsAsync(
            TenantScope.For(_cloud.TownA.Id), new EventQuery(device, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1)));
        Assert.Equal(6, stored.Count);
        IntegrityGap gap = Assert.Single(await _cloud.Get<IEventStore>().QueryGapsAsync(TenantScope.For(_cloud.TownA.Id), device));
        Assert.Equal((3UL, 4UL), (gap.FirstMissing, gap.LastMissing));
    }

    [Fact]
    public async Task Reconnecting_agent_learns_its_watermark()
    {
        using var agent = new TestAgent(_ca);
        await agent.EnrollAsync(_cloud.ApiUri, await _cloud.CreateTokenAsync(_cloud.TownA));
        using var cts = new CancellationTokenSource(Timeout);
        using (GrpcChannel channel = agent.OpenChannel(_cloud.AgentUri))
        {
            using var call = new AgentChannel.AgentChannelClient(channel).Connect(cancellationToken: cts.Token);
            await call.RequestStream.WriteAsync(TestAgent.Batch(1, 1));
            Assert.Equal(1UL, await TestAgent.WaitForAckAsync(call.ResponseStream, 1, cts.Token));
            await call.RequestStream.CompleteAsync();
        }

        using (GrpcChannel channel = agent.OpenChannel(_cloud.AgentUri))
        {
            using var call = new AgentChannel.AgentChannelClient(channel).Connect(cancellationToken: cts.Token);
            Assert.True(await call.ResponseStream.MoveNext(cts.Token));
            Assert.Equal(1UL, call.ResponseStream.Current.Ack.Sequence);
            await call.RequestStream.CompleteAsync();
        }
    }

    [Fact]
    public async Task Certificate_from_another_CA_is_refused()
    {
        using var agent = new TestAgent(_ca);
        var identity = await agent.EnrollAsync(_cloud.ApiUri, await _cloud.CreateTokenAsync(_cloud.TownA));

        // Same subject and binding, signed by a CA the cloud never made.
        using ECDsa rogueKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using ECDsa deviceKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rogueCa = new CertificateRequest("CN=Yamori Cloud Device CA, O=Yamori", rogueKey, HashAlgorithmName.SHA256);
        rogueCa.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using X509Certificate2 rogueRoot = rogueCa.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var leafRequest = new CertificateRequest("CN=" + identity.DeviceId, deviceKey, HashAlgorithmName.SHA256);
        leafRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri($"urn:yamori:tenant:{identity.TenantId}:device:{identity.DeviceId}"));
        leafRequest.CertificateExtensions.Add(san.Build());
        using X509Certificate2 forged = leafRequest.Create(rogueRoot, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10), [1, 2, 3]);
        agent.UseCertificate(forged, deviceKey);

        RpcException refused = await ConnectExpectingRefusalAsync(agent, _cloud.AgentUri);
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        Assert.Contains("UntrustedIssuer", refused.Status.Detail, StringComparison.Ordinal);
        await AssertRefusalAuditedAsync("UntrustedIssuer");
    }

    private async Task AssertRefusalAuditedAsync(string refusal)
    {
        AuditPage page = await _cloud.Get<IAuditLog>().QueryAsync(TenantScope.AllTenants, new AuditQuery(ActionPrefix: "agent.connect"));
        Assert.Contains(page.Entries, e => e.Record.Outcome == AuditOutcome.Denied && (e.Record.Detail ?? "").StartsWith(refusal, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Revocation_refuses_the_next_connection_and_closes_the_open_stream()
    {
        using var agent = new TestAgent(_ca);
        var identity = await agent.EnrollAsync(_cloud.ApiUri, await _cloud.CreateTokenAsync(_cloud.TownA));
        var device = DeviceId.Parse(identity.DeviceId);
        using var cts = new CancellationTokenSource(Timeout);
        using GrpcChannel channel = agent.OpenChannel(_cloud.AgentUri);
        using var call = new AgentChannel.AgentChannelClient(channel).Connect(cancellationToken: cts.Token);
        await call.RequestStream.WriteAsync(TestAgent.Batch(1, 1));
        Assert.Equal(1UL, await TestAgent.WaitForAckAsync(call.ResponseStream, 1, cts.Token));

        // Town B cannot revoke town A's device.
        Assert.False(await _cloud.Get<DeviceRevoker>().RevokeAsync(TenantScope.For(_cloud.TownB.Id), device, "not yours"));
        Assert.True(await _cloud.Get<DeviceRevoker>().RevokeAsync(TenantScope.For(_cloud.TownA.Id), device, "laptop stolen"));

        RpcException closed = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext(cts.Token))
            {
            }
        });
        Assert.Equal(StatusCode.PermissionDenied, closed.StatusCode);

        RpcException refused = await ConnectExpectingRefusalAsync(agent, _cloud.AgentUri);
        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Contains("Revoked", refused.Status.Detail, StringComparison.Ordinal);
        await AssertRefusalAuditedAsync("Revoked");
    }

    [Fact]
    public async Task Agent_service_is_not_reachable_through_the_api_port_and_api_not_through_the_agent_port()
    {
        using var agent = new TestAgent(_ca);
        await agent.EnrollAsync(_cloud.ApiUri, await _cloud.CreateTokenAsync(_cloud.TownA));

        // The API listener never asks for a client certificate, so the stream has no identity there.
        RpcException refused = await ConnectExpectingRefusalAsync(agent, _cloud.ApiUri);
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);

        using var client = new HttpClient(TestAgent.Handler(_ca, agent.Certificate)) { BaseAddress = _cloud.AgentUri, DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using HttpResponseMessage health = await client.GetAsync("healthz");
        Assert.Equal(HttpStatusCode.NotFound, health.StatusCode);
    }

    [Fact]
    public async Task Agent_port_requires_a_client_certificate_in_the_handshake()
    {
        using var agent = new TestAgent(_ca);
        using GrpcChannel channel = agent.OpenChannel(_cloud.AgentUri);
        using var cts = new CancellationTokenSource(Timeout);
        RpcException refused = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = new AgentChannel.AgentChannelClient(channel).Connect(cancellationToken: cts.Token);
            await call.ResponseStream.MoveNext(cts.Token);
        });

        // With TLS 1.3 the server's refusal arrives after the client thinks the handshake is done,
        // so the client reports either a failed connection (Unavailable) or a broken HTTP/2 session
        // (Internal), depending on timing; either way no call ever reached the service.
        Assert.Contains(refused.StatusCode, new[] { StatusCode.Unavailable, StatusCode.Internal });
        AuditPage page = await _cloud.Get<IAuditLog>().QueryAsync(TenantScope.AllTenants, new AuditQuery(ActionPrefix: "agent.connect"));
        Assert.Empty(page.Entries);
    }

    [Fact]
    public async Task Enrollment_refusals_name_the_reason_and_tokens_are_single_use()
    {
        string token = await _cloud.CreateTokenAsync(_cloud.TownB);
        using var first = new TestAgent(_ca);
        await first.EnrollAsync(_cloud.ApiUri, token);

        using var second = new TestAgent(_ca);
        using HttpResponseMessage exhausted = await second.TryEnrollAsync(_cloud.ApiUri, token);
        Assert.Equal(HttpStatusCode.Forbidden, exhausted.StatusCode);
        var problem = await exhausted.Content.ReadFromJsonAsync<Dictionary<string, object>>();
        Assert.Equal("TokenExhausted", problem!["reason"].ToString());

        using HttpResponseMessage unknown = await second.TryEnrollAsync(_cloud.ApiUri, "ymr-enroll-not-a-token");
        Assert.Equal(HttpStatusCode.Forbidden, unknown.StatusCode);
        Assert.DoesNotContain("not-a-token", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Both refusals and the success are in the audit log, without the token's secret.
        AuditPage page = await _cloud.Get<IAuditLog>().QueryAsync(TenantScope.AllTenants, new AuditQuery(ActionPrefix: "device.enroll"));
        Assert.Contains(page.Entries, e => e.Record.Outcome == AuditOutcome.Succeeded && e.Record.Tenant == _cloud.TownB.Id);
        Assert.Contains(page.Entries, e => e.Record.Outcome == AuditOutcome.Denied && (e.Record.Detail ?? "").StartsWith("TokenExhausted", StringComparison.Ordinal));
        Assert.Contains(page.Entries, e => e.Record.Outcome == AuditOutcome.Denied && e.Record.ActorId == "anonymous");
        Assert.All(page.Entries, e => Assert.DoesNotContain(token, string.Concat(e.Record.Detail, e.Record.After, e.Record.ActorId), StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_new_agent_fetches_the_CA_untrusted_and_accepts_it_only_if_the_fingerprint_matches()
    {
        // The agent has only the fingerprint that came with its token, not the CA file.
        string pin = _ca.GetCertHashString(HashAlgorithmName.SHA256);
        using var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true; // bootstrap only: the pin decides
        using var client = new HttpClient(handler) { BaseAddress = _cloud.ApiUri };
        string pem = await client.GetStringAsync("api/v1/ca");
        using X509Certificate2 fetched = X509Certificate2.CreateFromPem(pem);
        Assert.Equal(pin, fetched.GetCertHashString(HashAlgorithmName.SHA256));

        // With the fetched CA as the only trust root, the real enrollment connection validates.
        using var agent = new TestAgent(fetched);
        await agent.EnrollAsync(_cloud.ApiUri, await _cloud.CreateTokenAsync(_cloud.TownA));

        // A different CA (an impostor's) does not validate the cloud's server certificate.
        using ECDsa otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var otherRequest = new CertificateRequest("CN=Yamori Cloud Device CA, O=Yamori", otherKey, HashAlgorithmName.SHA256);
        otherRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using X509Certificate2 impostorCa = otherRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        using var fooled = new TestAgent(impostorCa);
        await Assert.ThrowsAsync<HttpRequestException>(() => fooled.TryEnrollAsync(_cloud.ApiUri, "ymt_whatever"));
    }

    private static async Task<RpcException> ConnectExpectingRefusalAsync(TestAgent agent, Uri endpoint)
    {
        using GrpcChannel channel = agent.OpenChannel(endpoint);
        using var cts = new CancellationTokenSource(Timeout);
        return await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = new AgentChannel.AgentChannelClient(channel).Connect(cancellationToken: cts.Token);
            await call.RequestStream.WriteAsync(TestAgent.Batch(1, 1));
            while (await call.ResponseStream.MoveNext(cts.Token))
            {
            }
        });
    }
}
