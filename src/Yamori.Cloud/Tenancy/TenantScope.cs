namespace Yamori.Cloud.Tenancy;

/// <summary>
/// Whose data a call may touch. Every store method takes one, and the stores translate it into
/// their queries in one place (<c>TenantFilter</c> for SQLite), so no query can run unscoped and a
/// town's user can never reach another town's rows, even through a bug in a caller.
/// </summary>
/// <remarks>
/// <see cref="AllTenants"/> is for the prefecture's SOC roles; <see cref="For"/> for town roles and
/// for a device's own connection (its certificate names the tenant). Writes always need a single
/// tenant: there is no "write anywhere" scope.
/// </remarks>
public sealed class TenantScope : IEquatable<TenantScope>
{
    private readonly TenantId? _tenant;

    private TenantScope(TenantId? tenant) => _tenant = tenant;

    /// <summary>The prefecture SOC's view: every tenant, read only unless a tenant is named.</summary>
    public static TenantScope AllTenants { get; } = new(null);

    /// <summary>A single tenant's view.</summary>
    public static TenantScope For(TenantId tenant) => new(tenant);

    /// <summary>The single tenant, or null for <see cref="AllTenants"/>.</summary>
    public TenantId? Tenant => _tenant;

    public bool IsAllTenants => _tenant is null;

    /// <summary>True when rows of <paramref name="tenant"/> are visible in this scope.</summary>
    public bool Allows(TenantId tenant) => _tenant is null || _tenant.Value == tenant;

    /// <summary>
    /// The tenant a write goes to. A single-tenant scope writes only to its own tenant; the SOC's
    /// scope writes to the tenant it names.
    /// </summary>
    /// <exception cref="TenantScopeException">The target is outside the scope.</exception>
    public TenantId ForWrite(TenantId target) =>
        Allows(target) ? target : throw new TenantScopeException($"tenant {target} is outside this scope");

    /// <summary>The tenant of a single-tenant scope.</summary>
    /// <exception cref="TenantScopeException">This is <see cref="AllTenants"/>.</exception>
    public TenantId RequireSingle() =>
        _tenant ?? throw new TenantScopeException("this operation needs a single-tenant scope");

    public bool Equals(TenantScope? other) => other is not null && _tenant == other._tenant;

    public override bool Equals(object? obj) => obj is TenantScope other && Equals(other);

    public override int GetHashCode() => _tenant.GetHashCode();

    public override string ToString() => _tenant is { } t ? $"tenant {t}" : "all tenants";
}

/// <summary>A call tried to reach data outside its <see cref="TenantScope"/>.</summary>
public sealed class TenantScopeException : Exception
{
    public TenantScopeException()
    {
    }

    public TenantScopeException(string message)
        : base(message)
    {
    }

    public TenantScopeException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
