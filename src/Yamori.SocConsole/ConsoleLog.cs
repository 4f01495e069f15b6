using Microsoft.Extensions.Logging;

namespace Yamori.SocConsole;

internal static partial class ConsoleLog
{
    [LoggerMessage(EventId = 6001, Level = LogLevel.Warning,
        Message = "Console static files not found (no *.staticwebassets.endpoints.json next to the program): pages render without script and style")]
    public static partial void NoStaticAssets(ILogger logger);
}
