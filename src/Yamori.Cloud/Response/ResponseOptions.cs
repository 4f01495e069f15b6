using Yamori.Cloud.Identity;

namespace Yamori.Cloud.Response;

/// <summary>Response policy and limits.</summary>
public sealed record ResponseOptions
{
    /// <summary>SOC roles may request anything; a town admin may release its own hosts and run live queries; viewers nothing.</summary>
    public static IReadOnlyDictionary<ResponseKind, Role[]> DefaultAllowedRoles { get; } = new Dictionary<ResponseKind, Role[]>
    {
        [ResponseKind.Isolate] = [Role.SocAdmin, Role.SocAnalyst],
        [ResponseKind.Release] = [Role.SocAdmin, Role.SocAnalyst, Role.TownAdmin],
        [ResponseKind.Kill] = [Role.SocAdmin, Role.SocAnalyst],
        [ResponseKind.Collect] = [Role.SocAdmin, Role.SocAnalyst],
        [ResponseKind.Query] = [Role.SocAdmin, Role.SocAnalyst, Role.TownAdmin],
    };

    /// <summary>Which roles may request each kind. A kind missing here is allowed to nobody.</summary>
    public IReadOnlyDictionary<ResponseKind, Role[]> AllowedRoles { get; init; } = DefaultAllowedRoles;

    /// <summary>How long a command stays deliverable when the request names no expiry.</summary>
    public TimeSpan DefaultExpiry { get; init; } = TimeSpan.FromHours(24);

    /// <summary>The longest expiry a request may ask for.</summary>
    public TimeSpan MaxExpiry { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Inline result output kept per command; the rest is cut (and the result marked truncated).</summary>
    public int MaxOutputBytes { get; init; } = 256 * 1024;

    /// <summary>Where collected files are written (one folder per tenant); null disables uploads.</summary>
    public string? CollectedFilesDirectory { get; init; }

    /// <summary>The largest collected file accepted.</summary>
    public long MaxCollectedFileBytes { get; init; } = 256L * 1024 * 1024;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(DefaultExpiry, TimeSpan.Zero, nameof(DefaultExpiry));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxExpiry, DefaultExpiry, nameof(MaxExpiry));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxOutputBytes, nameof(MaxOutputBytes));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxCollectedFileBytes, nameof(MaxCollectedFileBytes));
    }

    internal bool RoleMay(Role role, ResponseKind kind) => AllowedRoles.TryGetValue(kind, out Role[]? roles) && roles.Contains(role);
}
