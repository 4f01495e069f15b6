using System.Globalization;
using System.Security;
using System.Text;

namespace Yamori.Agent.Windows;

/// <summary>
/// Builds the structured queries (<c>&lt;QueryList&gt;</c>) handed to EvtSubscribe. The event log
/// service rejects an XPath with too many terms ("the specified query is invalid"), so long id
/// lists are merged into ranges and split over several <c>Select</c> elements of one query.
/// </summary>
public static class EventLogQuery
{
    /// <summary>Terms per Select, below the service's limit on the size of one XPath expression.</summary>
    public const int MaxTermsPerSelect = 20;

    /// <summary>An XPath filter on System/EventID; one expression (use <see cref="ForEventIds"/> for long lists).</summary>
    public static string EventIdFilter(IEnumerable<int> eventIds)
    {
        List<string> terms = Terms(eventIds);
        return "*[System[(" + string.Join(" or ", terms) + ")]]";
    }

    /// <summary>The structured query for <paramref name="channel"/> limited to <paramref name="eventIds"/>.</summary>
    public static string ForEventIds(string channel, IEnumerable<int> eventIds)
    {
        List<string> terms = Terms(eventIds);
        var selects = new List<string>();
        for (int i = 0; i < terms.Count; i += MaxTermsPerSelect)
        {
            selects.Add("*[System[(" + string.Join(" or ", terms.Skip(i).Take(MaxTermsPerSelect)) + ")]]");
        }

        return QueryList(channel, selects);
    }

    /// <summary>
    /// The structured query for a configured channel: every event when it has no query, its
    /// XPath filter(s) when it has one (an EventID filter with many terms is split), or its own
    /// <c>&lt;QueryList&gt;</c> as written.
    /// </summary>
    public static string For(WindowsEventChannel channel)
    {
        string? q = channel.Query?.Trim();
        if (string.IsNullOrEmpty(q))
        {
            return QueryList(channel.Name, ["*"]);
        }

        if (q.StartsWith('<'))
        {
            return q;
        }

        return QueryList(channel.Name, [q]);
    }

    private static string QueryList(string channel, IEnumerable<string> selects)
    {
        string path = SecurityElement.Escape(channel);
        var sb = new StringBuilder("<QueryList><Query Id=\"0\" Path=\"").Append(path).Append("\">");
        foreach (string xpath in selects)
        {
            sb.Append("<Select Path=\"").Append(path).Append("\">").Append(SecurityElement.Escape(xpath)).Append("</Select>");
        }

        return sb.Append("</Query></QueryList>").ToString();
    }

    /// <summary>EventID terms, consecutive ids merged into ranges.</summary>
    private static List<string> Terms(IEnumerable<int> eventIds)
    {
        int[] ids = [.. eventIds.Distinct().Order()];
        if (ids.Length == 0)
        {
            throw new ArgumentException("an event id filter needs at least one id", nameof(eventIds));
        }

        foreach (int id in ids)
        {
            if (id is < 0 or > 65535)
            {
                throw new ArgumentException($"event id {id} is out of range (0–65535)", nameof(eventIds));
            }
        }

        var terms = new List<string>();
        for (int i = 0; i < ids.Length;)
        {
            int j = i;
            while (j + 1 < ids.Length && ids[j + 1] == ids[j] + 1)
            {
                j++;
            }

            terms.Add(j == i
                ? string.Create(CultureInfo.InvariantCulture, $"EventID={ids[i]}")
                : string.Create(CultureInfo.InvariantCulture, $"(EventID>={ids[i]} and EventID<={ids[j]})"));
            i = j + 1;
        }

        return terms;
    }
}
