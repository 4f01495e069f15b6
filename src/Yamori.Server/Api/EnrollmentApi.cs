using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Yamori.Cloud.Audit;
using Yamori.Cloud.Enrollment;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Tenancy;
using Yamori.Server.Hosting;
using Yamori.Server.Security;

namespace Yamori.Server.Api;

/// <summary>The agent's first call: a token and a CSR in, a device certificate out. Anonymous: the token is the credential.</summary>
public static class EnrollmentApi
{
    public static RouteGroupBuilder MapEnrollmentApi(this RouteGroupBuilder api)
    {
        api.MapPost("/enroll", EnrollAsync)
            .AllowAnonymous()
            .WithName("Enroll")
            .WithTags("Enrollment")
            .WithSummary("Enroll a device with a token and a PKCS#10 CSR; returns its client certificate chain.");

        // A new agent has only the fingerprint that came with its token: it fetches the CA here
        // without trusting the connection, checks the fingerprint, and only then trusts the CA for
        // the TLS of its enrollment (as kubeadm's discovery-token-ca-cert-hash). The CA is public.
        api.MapGet("/ca", (CloudCertificateAuthority authority) => TypedResults.Text(authority.CertificatePem, "application/x-pem-file"))
            .AllowAnonymous()
            .WithName("GetCloudCa")
            .WithTags("Enrollment")
            .WithSummary("The cloud CA certificate (PEM), to be checked against the fingerprint given with an enrollment token.");

        RouteGroupBuilder tokens = api.MapGroup("/tenants/{tenantId:guid}/enrollment-tokens").WithTags("Enrollment").RequireAuthorization(Policies.Admin);
        tokens.MapGet("/", ListTokensAsync).WithSummary("The tenant's enrollment tokens (never their secrets).");
        tokens.MapPost("/", CreateTokenAsync).WithSummary("Create a token for one segment; the secret is in this response only.");
        tokens.MapDelete("/{tokenId:guid}", DeleteTokenAsync).WithSummary("Withdraw a token.");
        return api;
    }

    private static async Task<IResult> ListTokensAsync(Guid tenantId, HttpContext http, ITenancyStore tenancy, IEnrollmentTokenStore tokens, CancellationToken ct)
    {
        if (await TenancyApi.VisibleTenantAsync(http, tenancy, tenantId, ct) is null)
        {
            return Problems.NotFound();
        }

        IReadOnlyList<EnrollmentToken> list = await tokens.ListAsync(TenantScope.For(new TenantId(tenantId)), ct);
        return TypedResults.Ok(list.Select(EnrollmentTokenDto.From).ToList());
    }

    private static async Task<IResult> CreateTokenAsync(
        Guid tenantId, CreateEnrollmentTokenRequest request, HttpContext http, ITenancyStore tenancy, EnrollmentService enrollment, CloudCertificateAuthority authority, IChangeRecorder changes, CancellationToken ct)
    {
        if (await TenancyApi.VisibleTenantAsync(http, tenancy, tenantId, ct) is null)
        {
            return Problems.NotFound();
        }

        if (request.MaxUses is < 1 or > 10_000 || request.LifetimeHours is <= 0 or > 24 * 90)
        {
            return Problems.Validation("maxUses must be 1–10000 and lifetimeHours 1–2160");
        }

        Actor actor = http.Actor();
        IssuedEnrollmentToken issued;
        try
        {
            issued = await enrollment.CreateTokenAsync(actor.Scope, new TenantId(tenantId), new SegmentId(request.SegmentId), TimeSpan.FromHours(request.LifetimeHours), request.MaxUses, actor.Name, ct);
        }
        catch (TenantScopeException)
        {
            return Problems.Validation("segmentId: not a segment of this tenant");
        }

        EnrollmentTokenDto dto = EnrollmentTokenDto.From(issued.Token);
        await changes.RecordAsync(http, "enrollment-token.create", issued.Token.Tenant, "enrollment-token", issued.Token.Id.ToString(), null, dto, ct);
        using var ca = authority.Certificate;
        return TypedResults.Ok(new CreatedEnrollmentToken(dto, issued.Secret, ca.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256)));
    }

    private static async Task<IResult> DeleteTokenAsync(Guid tenantId, Guid tokenId, HttpContext http, ITenancyStore tenancy, IEnrollmentTokenStore tokens, IChangeRecorder changes, CancellationToken ct)
    {
        if (await TenancyApi.VisibleTenantAsync(http, tenancy, tenantId, ct) is null
            || !await tokens.DeleteAsync(TenantScope.For(new TenantId(tenantId)), new EnrollmentTokenId(tokenId), ct))
        {
            return Problems.NotFound();
        }

        await changes.RecordAsync(http, "enrollment-token.delete", new TenantId(tenantId), "enrollment-token", tokenId.ToString(), new { exists = true }, null, ct);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> EnrollAsync(EnrollRequest request, HttpContext http, EnrollmentService enrollment, CloudCertificateAuthority authority, IAuditLog audit, Listeners listeners, ServerOptions options, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(request.Token) || string.IsNullOrEmpty(request.CsrPem))
        {
            return Problems.Validation("token and csrPem are required");
        }

        EnrollmentResult result = await enrollment.EnrollAsync(request.Token, request.CsrPem, request.Hostname ?? "", request.Os ?? "", ct);

        // The token is the credential, so it is the actor (by id, never its secret); an unknown token is "anonymous".
        string who = result.Token is { } t ? $"enrollment-token:{t}" : "anonymous";
        await audit.AppendAsync(
            new AuditRecord(
                who, who, ActorKind.ApiToken, null, result.Tenant, "device.enroll", "device", result.Device?.ToString(),
                result.Succeeded ? AuditOutcome.Succeeded : AuditOutcome.Denied, http.Connection.RemoteIpAddress?.ToString(),
                After: result.Succeeded ? $"{{\"hostname\":{System.Text.Json.JsonSerializer.Serialize(request.Hostname)}}}" : null,
                Detail: result.Succeeded ? null : $"{result.Refusal}: {result.Detail}"),
            CancellationToken.None);
        if (!result.Succeeded)
        {
            return Problems.Refused("enrollment refused", result.Refusal!.Value.ToString(), result.Detail!);
        }

        Uri agentEndpoint = options.AgentPublicUrl ?? listeners.AgentUri;
        return TypedResults.Ok(new EnrollResponse(result.Tenant!.Value.ToString(), result.Device!.Value.ToString(), result.CertificateChainPem!, authority.CertificatePem, agentEndpoint.ToString()));
    }
}

/// <summary>An enrollment request. <paramref name="CsrPem"/> is signed by the key the agent keeps.</summary>
public sealed record EnrollRequest(string Token, string CsrPem, string? Hostname, string? Os)
{
    // The token is a credential: keep it out of logs and exception messages.
    public override string ToString() => $"EnrollRequest {{ Hostname = {Hostname}, Os = {Os} }}";
}

/// <summary>
/// The new device's identity, its certificate chain (leaf then CA), the CA to trust for the server,
/// and where to open the agent stream.
/// </summary>
public sealed record EnrollResponse(string TenantId, string DeviceId, string CertificateChainPem, string CaCertificatePem, string AgentEndpoint);

public sealed record EnrollmentTokenDto(Guid Id, Guid TenantId, Guid SegmentId, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, int MaxUses, int UsesLeft, string CreatedBy)
{
    public static EnrollmentTokenDto From(EnrollmentToken t) => new(t.Id.Value, t.Tenant.Value, t.Segment.Value, t.CreatedAt, t.ExpiresAt, t.MaxUses, t.UsesLeft, t.CreatedBy);
}

public sealed record CreateEnrollmentTokenRequest(Guid SegmentId, int LifetimeHours = 72, int MaxUses = 1);

/// <summary>The new token; <paramref name="Secret"/> appears here once. <paramref name="CaSha256"/> lets the agent pin the cloud CA at enrollment.</summary>
public sealed record CreatedEnrollmentToken(EnrollmentTokenDto Token, string Secret, string CaSha256)
{
    public override string ToString() => $"CreatedEnrollmentToken {{ Token = {Token} }}";
}
