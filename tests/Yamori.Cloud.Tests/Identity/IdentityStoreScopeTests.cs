using Yamori.Cloud.Identity;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Tests.Identity;

/// <summary>Each scoped store method, with an object of town A read or written as town B.</summary>
public sealed class IdentityStoreScopeTests : IDisposable
{
    private readonly IdentityFixture _f = new();

    public void Dispose() => _f.Dispose();

    private TenantScope ScopeA => TenantScope.For(_f.A.Id);

    private TenantScope ScopeB => TenantScope.For(_f.B.Id);

    private User NewUser(string login, Role role, TenantId? tenant) =>
        new(UserId.New(), login, login, login, role, tenant, "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAA", null, false, null, 0, null, false, false, Events.T0, Events.T0);

    [Fact]
    public async Task User_create_refuses_another_towns_user_and_soc_users()
    {
        await Assert.ThrowsAsync<TenantScopeException>(async () => await _f.Users.CreateAsync(ScopeB, NewUser("a.user", Role.TownViewer, _f.A.Id)));
        await Assert.ThrowsAsync<TenantScopeException>(async () => await _f.Users.CreateAsync(ScopeB, NewUser("soc.user", Role.SocAdmin, null)));
        Assert.Empty(await _f.Users.ListAsync(TenantScope.AllTenants));
    }

    [Fact]
    public async Task User_create_refuses_an_unknown_tenant_naming_it()
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(async () =>
            await _f.Users.CreateAsync(TenantScope.AllTenants, NewUser("ghost", Role.TownViewer, TenantId.New())));
        Assert.Equal("tenant", ex.ParamName);
    }

    [Fact]
    public async Task User_get_list_update_and_unlock_do_not_reach_another_town()
    {
        User a = NewUser("a.user", Role.TownViewer, _f.A.Id);
        await _f.Users.CreateAsync(ScopeA, a);

        Assert.Null(await _f.Users.GetAsync(ScopeB, a.Id));
        Assert.Empty(await _f.Users.ListAsync(ScopeB));
        Assert.NotNull(await _f.Users.GetAsync(ScopeA, a.Id));

        // Writing it as B: either the new tenant is outside B's scope, or the row is.
        await Assert.ThrowsAsync<TenantScopeException>(async () => await _f.Users.UpdateAsync(ScopeB, a with { DisplayName = "x" }));
        Assert.False(await _f.Users.UpdateAsync(ScopeB, a with { DisplayName = "x", Tenant = _f.B.Id }));
        Assert.False(await _f.Users.ClearLockoutAsync(ScopeB, a.Id));
        User stored = (await _f.Users.GetAsync(ScopeA, a.Id))!;
        Assert.Equal(("a.user", (TenantId?)_f.A.Id), (stored.DisplayName, stored.Tenant));
        Assert.True(await _f.Users.UpdateAsync(ScopeA, a with { DisplayName = "renamed" }));

        // A write based on an older read loses to the write that happened in between.
        Assert.True(await _f.Users.UpdateAsync(ScopeA, a with { Disabled = true, UpdatedAt = a.UpdatedAt.AddSeconds(1) }, a.UpdatedAt));
        Assert.False(await _f.Users.UpdateAsync(ScopeA, a with { Disabled = false }, a.UpdatedAt));
        Assert.True((await _f.Users.FindByIdAsync(a.Id))!.Disabled);
    }

    [Fact]
    public async Task A_soc_user_is_outside_every_town_scope()
    {
        User soc = NewUser("soc.user", Role.SocAnalyst, null);
        await _f.Users.CreateAsync(TenantScope.AllTenants, soc);
        Assert.Null(await _f.Users.GetAsync(ScopeA, soc.Id));
        await Assert.ThrowsAsync<TenantScopeException>(async () => await _f.Users.UpdateAsync(ScopeA, soc));
        Assert.False(await _f.Users.UpdateAsync(ScopeA, soc with { Role = Role.TownAdmin, Tenant = _f.A.Id }));
        Assert.Equal(Role.SocAnalyst, (await _f.Users.FindByIdAsync(soc.Id))!.Role);
    }

    [Fact]
    public async Task Token_create_get_list_and_revoke_do_not_reach_another_town()
    {
        var token = new ApiToken(ApiTokenId.New(), "a", Role.TownViewer, _f.A.Id, "x", Events.T0, null, null, null);
        await Assert.ThrowsAsync<TenantScopeException>(async () => await _f.Tokens.CreateAsync(ScopeB, token, new byte[32]));
        await Assert.ThrowsAsync<TenantScopeException>(async () =>
            await _f.Tokens.CreateAsync(ScopeB, token with { Role = Role.SocAdmin, Tenant = null }, new byte[32]));
        await _f.Tokens.CreateAsync(ScopeA, token, new byte[32]);

        Assert.Null(await _f.Tokens.GetAsync(ScopeB, token.Id));
        Assert.Empty(await _f.Tokens.ListAsync(ScopeB));
        Assert.False(await _f.Tokens.RevokeAsync(ScopeB, token.Id, Events.T0));
        Assert.Null((await _f.Tokens.GetAsync(ScopeA, token.Id))!.RevokedAt);
        Assert.NotNull(await _f.Tokens.UseAsync(new byte[32], Events.T0));
    }

    [Fact]
    public async Task Parallel_wrong_passwords_are_all_counted()
    {
        User a = NewUser("a.user", Role.TownViewer, _f.A.Id);
        await _f.Users.CreateAsync(ScopeA, a);
        DateTimeOffset?[] results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(async () =>
            await _f.Users.RecordFailureAsync(a.Id, 5, Events.T0.AddMinutes(15)))));

        // Ten failures at threshold five: the fifth and the tenth each lock, no count is lost.
        Assert.Equal(2, results.Count(r => r is not null));
        Assert.Equal(0, (await _f.Users.FindByIdAsync(a.Id))!.FailedAttempts);
    }
}
