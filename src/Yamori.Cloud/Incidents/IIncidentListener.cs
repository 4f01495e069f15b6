using Yamori.Sigma.Rules;

namespace Yamori.Cloud.Incidents;

/// <summary>
/// Told about incidents after they are durably stored (notifications, the zero-trust gateway).
/// A listener that throws is logged and does not stop detection or the other listeners.
/// </summary>
public interface IIncidentListener
{
    /// <summary>A new incident was opened.</summary>
    ValueTask OnIncidentOpenedAsync(Incident incident, CancellationToken cancellationToken);

    /// <summary>An open incident's severity rose (a higher alert joined it).</summary>
    ValueTask OnSeverityRaisedAsync(Incident incident, SigmaLevel previous, CancellationToken cancellationToken);
}
