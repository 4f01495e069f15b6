using Microsoft.Data.Sqlite;
using Yamori.Cloud.Audit;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Tests.Identity;

public sealed class ApiTokenTests : IDisposable
{
    private const string Remote = "203.0.113.9";
    private readonly IdentityFixture _f = new();

    public void Dispose() => _f.Dispose();

    private Actor AdminA => _f.TownAdmin(_f.A);

    [Fact]
    public async Task A_token_stands_for_its_role_and_tenant()
    {
        IssuedApiToken issued = await _f.ApiTokens.CreateApiTokenAsync(AdminA, "siem export", Role.TownViewer, _f.A.Id, null);

        Assert.StartsWith("ymr_", issued.Secret, StringComparison.Ordinal);
        Assert.Equal(4 + 43, issued.Secret.Length);
        Actor actor = (await _f.ApiTokens.ValidateApiTokenAsync(issued.Secret, Remote, _f.Clock.GetUtcNow()))!;
        Assert.Equal(new Actor(issued.Token.Id.ToString(), "siem export", ActorKind.ApiToken, Role.TownViewer, _f.A.Id, Remote), actor);
        Assert.Equal(TenantScope.For(_f.A.Id), actor.Scope);
        Assert.Equal(AdminA.Id, issued.Token.CreatedBy);
        Assert.DoesNotContain(issued.Secret, issued.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_database_holds_only_the_hash()
    {
        IssuedApiToken issued = await _f.ApiTokens.CreateApiTokenAsync(IdentityFixture.SocAdmin, "automation", Role.SocAnalyst, null, null);
        byte[] raw = Convert.FromBase64String(issued.Secret[4..].Replace('-', '+').Replace('_', '/') + "=");

        using (SqliteConnection c = _f.Temp.Database.OpenConnection())
        {
            using SqliteCommand cmd = c.CreateCommand();
            cmd.CommandText = "SELECT * FROM api_tokens";
            using SqliteDataReader r = cmd.ExecuteReader();
            Assert.True(r.Read());
            for (int i = 0; i < r.FieldCount; i++)
            {
                object value = r.GetValue(i);
                if (value is string s)
                {
                    Assert.DoesNotContain(issued.Secret[4..], s, StringComparison.Ordinal);
                }
                else if (value is byte[] b)
                {
                    Assert.NotEqual(raw, b);
                }
            }

            Assert.Equal(System.Security.Cryptography.SHA256.HashData(raw), (byte[])r["token_sha256"]);
        }

        byte[] db = _f.DatabaseBytes();
        Assert.Equal(-1, db.AsSpan().IndexOf(System.Text.Encoding.ASCII.GetBytes(issued.Secret)));
        Assert.Equal(-1, db.AsSpan().IndexOf(raw));
        Assert.DoesNotContain(await _f.AuditEntries(), e => e.Record.ToString().Contains(issued.Secret[4..], StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_town_admin_creates_town_role_tokens_for_their_own_town_only()
    {
        await Assert.ThrowsAsync<AccessDeniedException>(async () =>
            await _f.ApiTokens.CreateApiTokenAsync(AdminA, "b", Role.TownViewer, _f.B.Id, null));
        await Assert.ThrowsAsync<AccessDeniedException>(async () =>
            await _f.ApiTokens.CreateApiTokenAsync(AdminA, "soc", Role.SocAnalyst, null, null));
        Assert.Equal(Role.TownAdmin, (await _f.ApiTokens.CreateApiTokenAsync(AdminA, "a", Role.TownAdmin, _f.A.Id, null)).Token.Role);
        Assert.Single(await _f.ApiTokens.ListApiTokensAsync(IdentityFixture.SocAdmin));
        Assert.Equal(2, (await _f.AuditEntries("apitoken.create")).Count(e => e.Record.Outcome == AuditOutcome.Denied));
    }

    [Theory]
    [InlineData(Role.TownViewer)]
    [InlineData(Role.SocAnalyst)]
    public async Task Non_admins_create_no_tokens(Role role)
    {
        Actor actor = role == Role.TownViewer ? _f.TownViewer(_f.A) : IdentityFixture.SocAnalyst;
        await Assert.ThrowsAsync<AccessDeniedException>(async () =>
            await _f.ApiTokens.CreateApiTokenAsync(actor, "x", Role.TownViewer, _f.A.Id, null));
    }

    [Fact]
    public async Task A_token_cannot_mint_tokens()
    {
        IssuedApiToken issued = await _f.ApiTokens.CreateApiTokenAsync(IdentityFixture.SocAdmin, "root automation", Role.SocAdmin, null, null);
        Actor tokenActor = (await _f.ApiTokens.ValidateApiTokenAsync(issued.Secret, Remote, _f.Clock.GetUtcNow()))!;
        await Assert.ThrowsAsync<AccessDeniedException>(async () =>
            await _f.ApiTokens.CreateApiTokenAsync(tokenActor, "child", Role.SocAdmin, null, null));
    }

    [Theory]
    [InlineData("", Role.TownViewer, true, "name")]
    [InlineData("ok", Role.TownViewer, false, "tenant")]
    [InlineData("ok", Role.SocAnalyst, true, "tenant")]
    public async Task Invalid_token_requests_name_the_field(string name, Role role, bool withTenant, string field)
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(async () =>
            await _f.ApiTokens.CreateApiTokenAsync(IdentityFixture.SocAdmin, name, role, withTenant ? _f.A.Id : null, null));
        Assert.Equal(field, ex.ParamName);
    }

    [Fact]
    public async Task An_expiry_in_the_past_is_refused_and_an_expired_token_stops_working()
    {
        await Assert.ThrowsAsync<ArgumentException>(async () =>
            await _f.ApiTokens.CreateApiTokenAsync(AdminA, "late", Role.TownViewer, _f.A.Id, _f.Clock.GetUtcNow()));
        IssuedApiToken issued = await _f.ApiTokens.CreateApiTokenAsync(AdminA, "hour", Role.TownViewer, _f.A.Id, _f.Clock.GetUtcNow().AddHours(1));

        Assert.NotNull(await _f.ApiTokens.ValidateApiTokenAsync(issued.Secret, Remote, _f.Clock.GetUtcNow().AddMinutes(59)));
        Assert.Null(await _f.ApiTokens.ValidateApiTokenAsync(issued.Secret, Remote, _f.Clock.GetUtcNow().AddHours(1)));
    }

    [Fact]
    public async Task Use_is_recorded()
    {
        IssuedApiToken issued = await _f.ApiTokens.CreateApiTokenAsync(AdminA, "a", Role.TownViewer, _f.A.Id, null);
        Assert.Null(issued.Token.LastUsedAt);
        DateTimeOffset used = _f.Clock.GetUtcNow().AddMinutes(7);
        await _f.ApiTokens.ValidateApiTokenAsync(issued.Secret, Remote, used);
        Assert.Equal(used, (await _f.ApiTokens.GetApiTokenAsync(AdminA, issued.Token.Id))!.LastUsedAt);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("ymr_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("ymt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("ymr_short")]
    public async Task Unknown_tokens_are_refused(string? token)
    {
        await _f.ApiTokens.CreateApiTokenAsync(AdminA, "a", Role.TownViewer, _f.A.Id, null);
        Assert.Null(await _f.ApiTokens.ValidateApiTokenAsync(token, Remote, _f.Clock.GetUtcNow()));
    }

    [Fact]
    public async Task Listing_and_revoking_are_scoped_to_the_town()
    {
        IssuedApiToken a = await _f.ApiTokens.CreateApiTokenAsync(AdminA, "a", Role.TownViewer, _f.A.Id, null);
        IssuedApiToken b = await _f.ApiTokens.CreateApiTokenAsync(_f.TownAdmin(_f.B), "b", Role.TownViewer, _f.B.Id, null);
        IssuedApiToken soc = await _f.ApiTokens.CreateApiTokenAsync(IdentityFixture.SocAdmin, "soc", Role.SocAnalyst, null, null);

        Assert.Equal(["a"], (await _f.ApiTokens.ListApiTokensAsync(AdminA)).Select(t => t.Name));
        Assert.Equal(["a"], (await _f.ApiTokens.ListApiTokensAsync(_f.TownViewer(_f.A))).Select(t => t.Name));
        Assert.Equal(3, (await _f.ApiTokens.ListApiTokensAsync(IdentityFixture.SocAnalyst)).Count);
        Assert.Null(await _f.ApiTokens.GetApiTokenAsync(AdminA, b.Token.Id));
        Assert.Null(await _f.ApiTokens.GetApiTokenAsync(AdminA, soc.Token.Id));

        Assert.False(await _f.ApiTokens.RevokeApiTokenAsync(AdminA, b.Token.Id));
        Assert.False(await _f.ApiTokens.RevokeApiTokenAsync(AdminA, soc.Token.Id));
        Assert.NotNull(await _f.ApiTokens.ValidateApiTokenAsync(b.Secret, Remote, _f.Clock.GetUtcNow()));
        Assert.NotNull(await _f.ApiTokens.ValidateApiTokenAsync(soc.Secret, Remote, _f.Clock.GetUtcNow()));

        await Assert.ThrowsAsync<AccessDeniedException>(async () => await _f.ApiTokens.RevokeApiTokenAsync(_f.TownViewer(_f.A), a.Token.Id));
        Assert.True(await _f.ApiTokens.RevokeApiTokenAsync(AdminA, a.Token.Id));
        Assert.Null(await _f.ApiTokens.ValidateApiTokenAsync(a.Secret, Remote, _f.Clock.GetUtcNow()));
        Assert.NotNull((await _f.ApiTokens.GetApiTokenAsync(AdminA, a.Token.Id))!.RevokedAt);

        AuditEntry revoke = Assert.Single(await _f.AuditEntries("apitoken.revoke"), e => e.Record.Outcome == AuditOutcome.Succeeded);
        Assert.Equal((_f.A.Id, a.Token.Id.ToString()), (revoke.Record.Tenant!.Value, revoke.Record.TargetId));
        Assert.NotNull(revoke.Record.Before);
        Assert.Contains("revokedAt", revoke.Record.After!, StringComparison.Ordinal);
    }
}

public sealed class ApiTokenCreatorTests : IDisposable
{
    private readonly IdentityFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public async Task A_token_stops_working_when_its_creator_is_disabled_or_demoted()
    {
        var service = new ApiTokenService(_f.Tokens, _f.Audit, _f.Clock, _f.Users);
        UserView admin = _f.CreateUser("admin.a", Role.TownAdmin, _f.A);
        Actor creator = new(admin.Id.ToString(), admin.Login, ActorKind.User, Role.TownAdmin, _f.A.Id, null);
        IssuedApiToken issued = await service.CreateApiTokenAsync(creator, "nightly export", Role.TownViewer, _f.A.Id, null);
        Assert.NotNull(await service.ValidateApiTokenAsync(issued.Secret, null, _f.Clock.GetUtcNow()));

        await _f.Admin.ChangeRoleAsync(IdentityFixture.SocAdmin, admin.Id, Role.TownViewer, _f.A.Id);
        Assert.Null(await service.ValidateApiTokenAsync(issued.Secret, null, _f.Clock.GetUtcNow()));

        await _f.Admin.ChangeRoleAsync(IdentityFixture.SocAdmin, admin.Id, Role.TownAdmin, _f.A.Id);
        Assert.NotNull(await service.ValidateApiTokenAsync(issued.Secret, null, _f.Clock.GetUtcNow()));
        await _f.Admin.SetDisabledAsync(IdentityFixture.SocAdmin, admin.Id, true);
        Assert.Null(await service.ValidateApiTokenAsync(issued.Secret, null, _f.Clock.GetUtcNow()));
    }
}
