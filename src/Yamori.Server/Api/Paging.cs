using System.Globalization;

namespace Yamori.Server.Api;

/// <summary>A page of results; <paramref name="NextCursor"/> is null on the last page.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>Limits shared by every listing.</summary>
internal static class Paging
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    public static int Limit(int? requested) => requested is null or <= 0 ? DefaultLimit : Math.Min(requested.Value, MaxLimit);

    /// <summary>Keyset paging over a list already in key order (ids are time-ordered v7 GUIDs).</summary>
    public static Page<TOut> ByKey<TIn, TOut>(IReadOnlyList<TIn> ordered, Func<TIn, Guid> key, string? cursor, int? limit, Func<TIn, TOut> map)
    {
        Guid after = cursor is not null && Guid.TryParse(cursor, out Guid c) ? c : Guid.Empty;
        int take = Limit(limit);
        var items = new List<TOut>(Math.Min(take, ordered.Count));
        Guid last = Guid.Empty;
        bool more = false;
        foreach (TIn item in ordered)
        {
            Guid k = key(item);
            if (after != Guid.Empty && k.CompareTo(after) <= 0)
            {
                continue;
            }

            if (items.Count == take)
            {
                more = true;
                break;
            }

            items.Add(map(item));
            last = k;
        }

        return new Page<TOut>(items, more ? last.ToString("D", CultureInfo.InvariantCulture) : null);
    }
}
