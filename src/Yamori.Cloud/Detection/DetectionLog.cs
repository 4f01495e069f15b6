using Microsoft.Extensions.Logging;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Detection;

internal static partial class DetectionLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning,
        Message = "Incident listener {Listener} failed on incident {Incident}; detection continues")]
    public static partial void ListenerFailed(ILogger logger, string listener, Guid incident, Exception exception);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information,
        Message = "Incident {Incident} opened for tenant {Tenant}: {Title} ({Severity})")]
    public static partial void IncidentOpened(ILogger logger, Guid incident, TenantId tenant, string title, string severity);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning,
        Message = "Telemetry integrity alert for device {Device} of tenant {Tenant}: batches {FirstMissing}..{LastMissing} missing")]
    public static partial void IntegrityAlert(ILogger logger, DeviceId device, TenantId tenant, ulong firstMissing, ulong lastMissing);
}
