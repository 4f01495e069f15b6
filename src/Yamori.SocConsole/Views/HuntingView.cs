using System.Diagnostics;
using Yamori.Cloud.Events;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Storage;
using Yamori.Cloud.Tenancy;

namespace Yamori.SocConsole.Views;

/// <summary>Decides whether a stored event is a hit; <paramref name="note"/> says what matched when the query alone does not.</summary>
public delegate bool HuntMatcher(StoredEvent stored, out string? note);

/// <summary>
/// Threat hunting over stored telemetry, through the same tenant-scoped stores as the API: the
/// actor's scope lists the devices, and every event read goes through <see cref="IEventStore"/>
/// with that scope, so a town user's hunt can only ever read their own town.
/// </summary>
/// <remarks>
/// The event store answers one device and one time range at a time, ordered oldest first, and has
/// no field index: field conditions cannot be pushed into its SQL. So the view scans, and filters
/// in memory, within a bound (<see cref="MaxScanned"/> events per hunt). To list the newest hits
/// first without reading the whole range, it walks the range backwards in slices that double in
/// length (5 minutes, 10, 20, …): a busy recent hour is read in small pieces, a quiet month in few.
/// </remarks>
public sealed class HuntingView(ITenancyStore tenancy, IEventStore events)
{
    /// <summary>Rows the hunting table lists.</summary>
    public const int PageCap = 1000;

    /// <summary>Rows a CSV export holds.</summary>
    public const int ExportCap = 10_000;

    /// <summary>The default of <see cref="MaxScanned"/>: a few seconds of reading on the embedded store.</summary>
    public const long DefaultMaxScanned = 200_000;

    private const int StorePage = 1000;
    private static readonly TimeSpan FirstSlice = TimeSpan.FromMinutes(5);

    /// <summary>Events one hunt reads at most, whatever it finds; a wider hunt says it stopped early.</summary>
    public long MaxScanned { get; init; } = DefaultMaxScanned;

    /// <summary>Events matching the query's type and every field condition, newest first, at most <paramref name="cap"/>.</summary>
    public Task<HuntResult> RunAsync(Actor actor, HuntQuery query, int cap = PageCap, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<HuntCondition> conditions = query.AllConditions;
        return ScanAsync(actor, query, Match, HuntingFields.Columns(conditions), cap, cancellationToken);

        bool Match(StoredEvent stored, out string? note)
        {
            note = null;
            return HuntingFields.MatchesAll(stored.Event, conditions);
        }
    }

    /// <summary>
    /// The device's latest events (no conditions), newest first: the device page's recent activity.
    /// Empty when the device is not visible to the actor.
    /// </summary>
    public Task<HuntResult> RecentAsync(Actor actor, DeviceId device, DateTimeOffset from, DateTimeOffset to, int cap, CancellationToken cancellationToken = default) =>
        RunAsync(actor, new HuntQuery(from, to, Device: device), cap, cancellationToken);

    /// <summary>The longest one hunt or export may run before it stops and reports what it did not reach.</summary>
    public static readonly TimeSpan TimeLimit = TimeSpan.FromSeconds(30);

    /// <summary>The scan itself: also used by the Sigma hunt with the engine as matcher.</summary>
    internal async Task<HuntResult> ScanAsync(Actor actor, HuntQuery query, HuntMatcher match, IReadOnlyList<string> columns, int cap, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cap);
        TenantScope scope = actor.Scope;
        IReadOnlyList<Tenant> towns = await tenancy.ListTenantsAsync(scope, cancellationToken);
        Dictionary<TenantId, string> townNames = towns.ToDictionary(t => t.Id, t => t.Name);
        List<Device> targets = (await tenancy.ListDevicesAsync(scope, cancellationToken))
            .Where(d => (query.Town is null || d.Tenant == query.Town) && (query.Device is null || d.Id == query.Device))
            .ToList();

        var rows = new List<HuntRow>();
        long scanned = 0;

        // A pasted rule's regex can cost up to its timeout per event: a wall-clock bound keeps one
        // hunt from holding a core for hours; what was not reached is reported like the scan limit.
        long started = Stopwatch.GetTimestamp();
        bool scanLimit = false, truncated = false;
        DateTimeOffset sliceEnd = query.To;
        TimeSpan length = FirstSlice;
        while (targets.Count > 0 && sliceEnd > query.From && rows.Count < cap && !scanLimit)
        {
            DateTimeOffset sliceStart = sliceEnd - query.From > length ? sliceEnd - length : query.From;
            var found = new List<HuntRow>();
            foreach (Device device in targets)
            {
                long? after = null;
                while (true)
                {
                    int take = (int)Math.Min(StorePage, MaxScanned - scanned);
                    if (take <= 0)
                    {
                        scanLimit = true;
                        break;
                    }

                    IReadOnlyList<StoredEvent> page = await events.QueryEventsAsync(scope, new EventQuery(device.Id, sliceStart, sliceEnd, take, after), cancellationToken);
                    scanned += page.Count;
                    foreach (StoredEvent stored in page)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        if (Stopwatch.GetElapsedTime(started) > TimeLimit)
                        {
                            scanLimit = true;
                            break;
                        }

                        if (HuntingFields.IsOfType(stored.Event, query.EventType) && match(stored, out string? note))
                        {
                            found.Add(new HuntRow(stored, townNames.GetValueOrDefault(stored.Tenant, ""), device.Hostname, note));
                        }
                    }

                    if (page.Count < take || scanLimit)
                    {
                        break;
                    }

                    after = page[^1].Id;
                }

                if (scanLimit)
                {
                    break;
                }
            }

            // Every slice is older than the one before, so sorting within a slice keeps the whole list newest first.
            found.Sort(static (a, b) => a.Event.Time != b.Event.Time ? b.Event.Time.CompareTo(a.Event.Time) : b.Stored.Id.CompareTo(a.Stored.Id));
            int room = cap - rows.Count;
            truncated |= found.Count > room;
            rows.AddRange(found.Count > room ? found.GetRange(0, room) : found);
            sliceEnd = sliceStart;
            length *= 2;
        }

        // Full with range left unread: there may be more hits than listed.
        bool capped = truncated || (rows.Count >= cap && sliceEnd > query.From);
        return new HuntResult(rows, columns, capped, scanLimit, scanned);
    }
}
