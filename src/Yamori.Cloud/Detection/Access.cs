using Yamori.Cloud.Identity;
using Yamori.Cloud.Incidents;

namespace Yamori.Cloud.Detection;

/// <summary>Who may change detection data: everyone in scope except read-only town viewers.</summary>
internal static class Access
{
    public static void RequireWriter(Actor actor, string action)
    {
        if (actor.Role == Role.TownViewer)
        {
            throw new DetectionAccessException($"{actor.Role.ToWire()} is read-only and may not {action}");
        }
    }
}
