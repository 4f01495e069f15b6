using System.Globalization;

namespace Yamori.SocConsole.Localization;

/// <summary>
/// Times as Japanese staff read them: Japan Standard Time. Japan has no daylight saving, so a fixed
/// +09:00 offset is exact and needs no time-zone database on the host.
/// </summary>
public static class Jst
{
    public static readonly TimeSpan Offset = TimeSpan.FromHours(9);

    /// <summary><c>2026/11/26 21:15:03</c>.</summary>
    public static string Format(DateTimeOffset time) =>
        time.ToOffset(Offset).ToString("yyyy/MM/dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary><c>11/26 21:15</c>, for dense tables.</summary>
    public static string Short(DateTimeOffset time) =>
        time.ToOffset(Offset).ToString("MM/dd HH:mm", CultureInfo.InvariantCulture);

    /// <summary>The exact instant in ISO 8601 (UTC), shown on hover.</summary>
    public static string Iso(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>How long ago, in the UI's language (<c>3分前</c>, <c>3 min ago</c>).</summary>
    public static string Age(DateTimeOffset time, DateTimeOffset now, UiText text)
    {
        TimeSpan age = now - time;
        return age.TotalMinutes < 1 ? text["Common.Age.Now"]
            : age.TotalHours < 1 ? text.Format("Common.Age.Minutes", (int)age.TotalMinutes)
            : age.TotalDays < 1 ? text.Format("Common.Age.Hours", (int)age.TotalHours)
            : text.Format("Common.Age.Days", (int)age.TotalDays);
    }
}
