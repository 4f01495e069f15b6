using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Yamori.Cloud.Enrollment;

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
        return api;
    }

    private static async Task<IResult> EnrollAsync(EnrollRequest request, EnrollmentService enrollment, CloudCertificateAuthority authority, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(request.Token) || string.IsNullOrEmpty(request.CsrPem))
        {
            return Problems.Validation("token and csrPem are required");
        }

        EnrollmentResult result = await enrollment.EnrollAsync(request.Token, request.CsrPem, request.Hostname ?? "", request.Os ?? "", ct);
        if (!result.Succeeded)
        {
            return Problems.Refused("enrollment refused", result.Refusal!.Value.ToString(), result.Detail!);
        }

        return TypedResults.Ok(new EnrollResponse(result.Tenant!.Value.ToString(), result.Device!.Value.ToString(), result.CertificateChainPem!, authority.CertificatePem));
    }
}

/// <summary>An enrollment request. <paramref name="CsrPem"/> is signed by the key the agent keeps.</summary>
public sealed record EnrollRequest(string Token, string CsrPem, string? Hostname, string? Os)
{
    // The token is a credential: keep it out of logs and exception messages.
    public override string ToString() => $"EnrollRequest {{ Hostname = {Hostname}, Os = {Os} }}";
}

/// <summary>The new device's identity, its certificate chain (leaf then CA), and the CA to trust for the server.</summary>
public sealed record EnrollResponse(string TenantId, string DeviceId, string CertificateChainPem, string CaCertificatePem);
