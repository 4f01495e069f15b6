using Yamori.Cloud.Enrollment;
using Yamori.Cloud.Ingest;
using Yamori.Cloud.Tenancy;

namespace Yamori.Server.Agents;

/// <summary>
/// Revokes a device: its certificate is refused from the next handshake on, and a stream it
/// already has open is closed now rather than at its next reconnect.
/// </summary>
public sealed class DeviceRevoker(EnrollmentService enrollment, AgentStreamService streams)
{
    /// <returns>False when the device is not visible in <paramref name="scope"/>.</returns>
    public async ValueTask<bool> RevokeAsync(TenantScope scope, DeviceId device, string reason, CancellationToken cancellationToken = default)
    {
        if (!await enrollment.RevokeAsync(scope, device, reason, cancellationToken))
        {
            return false;
        }

        // After the revocation is stored, so a reconnect racing this close is refused by the validator.
        streams.Disconnect(device, "device revoked");
        return true;
    }
}
