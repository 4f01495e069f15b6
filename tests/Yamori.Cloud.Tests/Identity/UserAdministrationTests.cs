using System.Text.Json;
using Yamori.Cloud.Audit;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Tests.Identity;

public sealed class UserAdministrationTests : IDisposable
{
    private const string Remote = "203.0.113.9";
    private readonly IdentityFixture _f = new();

    public void Dispose() => _f.Dispose();

    private Actor AdminA => _f.TownAdmin(_f.A);

    [Fact]
    public async Task Without_a_password_a_one_time_password_is_generated_and_must_be_changed()
    {
        CreatedUser created = await _f.Admin.CreateUserAsync(IdentityFixture.SocAdmin, new NewUser("Admin.A", "町の管理者", Role.TownAdmin, _f.A.Id));

        Assert.NotNull(created.OneTimePassword);
        Assert.DoesNotContain(created.OneTimePassword!, created.ToString(), StringComparison.Ordinal);
        Assert.True(created.User.MustChangePassword);
        Assert.Equal(("Admin.A", "町の管理者", Role.TownAdmin, (TenantId?)_f.A.Id), (created.User.Login, created.User.DisplayName, created.User.Role, created.User.Tenant));
        var ok = Assert.IsType<SignInResult.Succeeded>(await _f.SignIn.SignInAsync("admin.a", created.OneTimePassword, Remote));
        Assert.True(ok.MustChangePassword);

        AuditEntry entry = Assert.Single(await _f.AuditEntries("user.create"));
        Assert.Equal((IdentityFixture.SocAdmin.Id, AuditOutcome.Succeeded, _f.A.Id, created.User.Id.ToString()),
            (entry.Record.ActorId, entry.Record.Outcome, entry.Record.Tenant, entry.Record.TargetId));
        Assert.Null(entry.Record.Before);
        Assert.Equal("town-admin", JsonDocument.Parse(entry.Record.After!).RootElement.GetProperty("role").GetString());
        Assert.DoesNotContain("argon2", entry.Record.After!, StringComparison.Ordinal);
        Assert.DoesNotContain(created.OneTimePassword!, entry.Record.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_names_are_unique_regardless_of_case()
    {
        _f.CreateUser("alice", Role.TownViewer, _f.A);
        await Assert.ThrowsAsync<LoginTakenException>(async () =>
            await _f.Admin.CreateUserAsync(IdentityFixture.SocAdmin, new NewUser("ALICE", "Other Alice", Role.TownViewer, _f.B.Id)));
    }

    [Theory]
    [InlineData("x", "Name", Role.TownViewer, true, "login")]
    [InlineData("valid.login", " ", Role.TownViewer, true, "displayName")]
    [InlineData("valid.login", "Name", Role.TownViewer, false, "tenant")]
    [InlineData("valid.login", "Name", Role.SocAnalyst, true, "tenant")]
    public async Task Invalid_requests_are_refused_naming_the_field(string login, string display, Role role, bool withTenant, string field)
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(async () =>
            await _f.Admin.CreateUserAsync(IdentityFixture.SocAdmin, new NewUser(login, display, role, withTenant ? _f.A.Id : null)));
        Assert.Equal(field, ex.ParamName);
    }

    [Fact]
    public async Task A_weak_given_password_is_refused()
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(async () =>
            await _f.Admin.CreateUserAsync(IdentityFixture.SocAdmin, new NewUser("bob.b", "Bob", Role.TownViewer, _f.B.Id, "bob.b")));
        Assert.Equal("password", ex.ParamName);
        Assert.Empty(await _f.Admin.ListUsersAsync(IdentityFixture.SocAdmin));
    }

    [Fact]
    public async Task A_town_admin_creates_town_users_of_their_own_town_only()
    {
        CreatedUser own = await _f.Admin.CreateUserAsync(AdminA, new NewUser("viewer.a", "Viewer", Role.TownViewer, _f.A.Id));
        Assert.Equal(_f.A.Id, own.User.Tenant);

        await Assert.ThrowsAsync<AccessDeniedException>(async () =>
            await _f.Admin.CreateUserAsync(AdminA, new NewUser("viewer.b", "Viewer", Role.TownViewer, _f.B.Id)));
        await Assert.ThrowsAsync<AccessDeniedException>(async () =>
            await _f.Admin.CreateUserAsync(AdminA, new NewUser("analyst", "Analyst", Role.SocAnalyst, null)));
        Assert.Single(await _f.Admin.ListUsersAsync(IdentityFixture.SocAdmin));
        Assert.Equal(2, (await _f.AuditEntries("user.create")).Count(e => e.Record.Outcome == AuditOutcome.Denied));
    }

    [Theory]
    [InlineData(Role.TownViewer)]
    [InlineData(Role.SocAnalyst)]
    public async Task Viewers_and_analysts_may_list_but_not_change(Role role)
    {
        UserView target = _f.CreateUser("viewer.a", Role.TownViewer, _f.A);
        Actor actor = role == Role.TownViewer ? _f.TownViewer(_f.A) : IdentityFixture.SocAnalyst;

        Assert.Single(await _f.Admin.ListUsersAsync(actor));
        Assert.NotNull(await _f.Admin.GetUserAsync(actor, target.Id));
        await Assert.ThrowsAsync<AccessDeniedException>(async () =>
            await _f.Admin.CreateUserAsync(actor, new NewUser("new.one", "New", Role.TownViewer, _f.A.Id)));
        await Assert.ThrowsAsync<AccessDeniedException>(async () => await _f.Admin.SetDisabledAsync(actor, target.Id, true));
        await Assert.ThrowsAsync<AccessDeniedException>(async () => await _f.Admin.ResetPasswordAsync(actor, target.Id));
        await Assert.ThrowsAsync<AccessDeniedException>(async () => await _f.Admin.ChangeRoleAsync(actor, target.Id, Role.TownAdmin, null));
        await Assert.ThrowsAsync<AccessDeniedException>(async () => await _f.Admin.ResetTotpAsync(actor, target.Id));
        Assert.False((await _f.Admin.GetUserAsync(IdentityFixture.SocAdmin, target.Id))!.Disabled);
    }

    [Fact]
    public async Task Another_towns_users_and_soc_users_are_absent_for_a_town_admin()
    {
        UserView b = _f.CreateUser("viewer.b", Role.TownViewer, _f.B);
        UserView soc = _f.CreateUser("analyst", Role.SocAnalyst, null);
        _f.CreateUser("viewer.a", Role.TownViewer, _f.A);

        Assert.Equal(["viewer.a"], (await _f.Admin.ListUsersAsync(AdminA)).Select(u => u.Login));
        foreach (UserId id in new[] { b.Id, soc.Id })
        {
            Assert.Null(await _f.Admin.GetUserAsync(AdminA, id));
            Assert.Null(await _f.Admin.SetDisabledAsync(AdminA, id, true));
            Assert.Null(await _f.Admin.ResetPasswordAsync(AdminA, id));
            Assert.Null(await _f.Admin.ChangeRoleAsync(AdminA, id, Role.TownAdmin, null));
            Assert.Null(await _f.Admin.ResetTotpAsync(AdminA, id));
        }

        Assert.IsType<SignInResult.Succeeded>(await _f.SignIn.SignInAsync("viewer.b", IdentityFixture.Password, Remote));
        Assert.Equal(Role.TownViewer, (await _f.Admin.GetUserAsync(IdentityFixture.SocAdmin, b.Id))!.Role);
        Assert.Equal(3, (await _f.Admin.ListUsersAsync(IdentityFixture.SocAdmin)).Count);
    }

    [Fact]
    public async Task Disabling_ends_sessions_and_refuses_sign_in_until_enabled()
    {
        UserView user = _f.CreateUser("viewer.a", Role.TownViewer, _f.A);
        var ok = Assert.IsType<SignInResult.Succeeded>(await _f.SignIn.SignInAsync("viewer.a", IdentityFixture.Password, Remote));

        UserView? disabled = await _f.Admin.SetDisabledAsync(AdminA, user.Id, true);
        Assert.True(disabled!.Disabled);
        Assert.Null(await _f.SignIn.ValidateSessionAsync(ok.SessionToken, Remote, _f.Clock.GetUtcNow()));
        Assert.IsType<SignInResult.Failed>(await _f.SignIn.SignInAsync("viewer.a", IdentityFixture.Password, Remote));

        await _f.Admin.SetDisabledAsync(AdminA, user.Id, false);
        Assert.IsType<SignInResult.Succeeded>(await _f.SignIn.SignInAsync("viewer.a", IdentityFixture.Password, Remote));

        AuditEntry entry = Assert.Single(await _f.AuditEntries("user.disable"));
        Assert.False(JsonDocument.Parse(entry.Record.Before!).RootElement.GetProperty("disabled").GetBoolean());
        Assert.True(JsonDocument.Parse(entry.Record.After!).RootElement.GetProperty("disabled").GetBoolean());
        Assert.Equal(AdminA.Id, entry.Record.ActorId);
        Assert.Equal(AdminA.RemoteAddress, entry.Record.RemoteAddress);
    }

    [Fact]
    public async Task Nobody_disables_themselves_or_changes_their_own_role()
    {
        UserView me = _f.CreateUser("admin.a", Role.TownAdmin, _f.A);
        var ok = Assert.IsType<SignInResult.Succeeded>(await _f.SignIn.SignInAsync("admin.a", IdentityFixture.Password, Remote));
        await Assert.ThrowsAsync<AccessDeniedException>(async () => await _f.Admin.SetDisabledAsync(ok.Actor, me.Id, true));
        await Assert.ThrowsAsync<AccessDeniedException>(async () => await _f.Admin.ChangeRoleAsync(ok.Actor, me.Id, Role.TownViewer, null));
        Assert.NotNull(await _f.SignIn.ValidateSessionAsync(ok.SessionToken, Remote, _f.Clock.GetUtcNow()));
    }

    [Fact]
    public async Task A_town_admin_switches_town_roles_but_never_promotes_to_soc_or_moves_towns()
    {
        UserView user = _f.CreateUser("viewer.a", Role.TownViewer, _f.A);

        Assert.Equal(Role.TownAdmin, (await _f.Admin.ChangeRoleAsync(AdminA, user.Id, Role.TownAdmin, null))!.Role);
        await Assert.ThrowsAsync<AccessDeniedException>(async () => await _f.Admin.ChangeRoleAsync(AdminA, user.Id, Role.SocAnalyst, null));
        await Assert.ThrowsAsync<AccessDeniedException>(async () => await _f.Admin.ChangeRoleAsync(AdminA, user.Id, Role.TownViewer, _f.B.Id));
        UserView now = (await _f.Admin.GetUserAsync(IdentityFixture.SocAdmin, user.Id))!;
        Assert.Equal((Role.TownAdmin, (TenantId?)_f.A.Id), (now.Role, now.Tenant));
    }

    [Fact]
    public async Task Promoting_to_a_soc_role_drops_the_tenant_ends_sessions_and_forces_totp()
    {
        UserView user = _f.CreateUser("viewer.a", Role.TownViewer, _f.A);
        var ok = Assert.IsType<SignInResult.Succeeded>(await _f.SignIn.SignInAsync("viewer.a", IdentityFixture.Password, Remote));

        UserView promoted = (await _f.Admin.ChangeRoleAsync(IdentityFixture.SocAdmin, user.Id, Role.SocAnalyst, null))!;

        Assert.Equal((Role.SocAnalyst, (TenantId?)null), (promoted.Role, promoted.Tenant));
        Assert.Null(await _f.SignIn.ValidateSessionAsync(ok.SessionToken, Remote, _f.Clock.GetUtcNow()));
        Assert.IsType<SignInResult.TotpSetupRequired>(await _f.SignIn.SignInAsync("viewer.a", IdentityFixture.Password, Remote));
        Assert.Null(await _f.Admin.GetUserAsync(AdminA, user.Id));

        // And back to a town, which then needs one.
        await Assert.ThrowsAsync<ArgumentException>(async () => await _f.Admin.ChangeRoleAsync(IdentityFixture.SocAdmin, user.Id, Role.TownViewer, null));
        Assert.Equal(_f.B.Id, (await _f.Admin.ChangeRoleAsync(IdentityFixture.SocAdmin, user.Id, Role.TownViewer, _f.B.Id))!.Tenant);
    }

    [Fact]
    public async Task A_password_reset_gives_a_new_one_time_password_and_unlocks()
    {
        UserView user = _f.CreateUser("viewer.a", Role.TownViewer, _f.A);
        for (int i = 0; i < 5; i++)
        {
            await _f.SignIn.SignInAsync("viewer.a", "wrong-password-123", Remote);
        }

        Assert.NotNull((await _f.Admin.GetUserAsync(AdminA, user.Id))!.LockedUntil);
        PasswordReset reset = (await _f.Admin.ResetPasswordAsync(AdminA, user.Id))!;

        Assert.DoesNotContain(reset.OneTimePassword, reset.ToString(), StringComparison.Ordinal);
        Assert.Null((await _f.Admin.GetUserAsync(AdminA, user.Id))!.LockedUntil);
        Assert.IsType<SignInResult.Failed>(await _f.SignIn.SignInAsync("viewer.a", IdentityFixture.Password, Remote));
        var ok = Assert.IsType<SignInResult.Succeeded>(await _f.SignIn.SignInAsync("viewer.a", reset.OneTimePassword, Remote));
        Assert.True(ok.MustChangePassword);
    }

    [Fact]
    public async Task A_totp_reset_makes_a_soc_user_set_up_a_new_secret()
    {
        UserView user = _f.CreateUser("analyst", Role.SocAnalyst, null);
        (SignInResult.Succeeded session, string oldSecret) = await _f.SignInWithTotpSetup("analyst");

        UserView reset = (await _f.Admin.ResetTotpAsync(IdentityFixture.SocAdmin, user.Id))!;

        Assert.False(reset.TotpEnabled);
        Assert.Null(await _f.SignIn.ValidateSessionAsync(session.SessionToken, Remote, _f.Clock.GetUtcNow()));

        // Within the same 30 s step as the last code: the new secret has its own replay history.
        (_, string newSecret) = await _f.SignInWithTotpSetup("analyst");
        Assert.NotEqual(oldSecret, newSecret);
        Assert.Single(await _f.AuditEntries("user.totp.reset"));
    }

    [Fact]
    public async Task The_first_operator_is_created_once_with_password_and_totp()
    {
        BootstrapCredentials creds = (await _f.Admin.BootstrapOperatorAsync())!;

        Assert.Equal((Role.SocAdmin, "operator", true, true), (creds.User.Role, creds.User.Login, creds.User.TotpEnabled, creds.User.MustChangePassword));
        Assert.DoesNotContain(creds.Password, creds.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(creds.TotpSecretBase32, creds.ToString(), StringComparison.Ordinal);
        Assert.Null(await _f.Admin.BootstrapOperatorAsync("second.operator"));
        Assert.Single(await _f.Admin.ListUsersAsync(IdentityFixture.SocAdmin));

        var ticket = Assert.IsType<SignInResult.TotpRequired>(await _f.SignIn.SignInAsync("operator", creds.Password, Remote));
        var ok = Assert.IsType<SignInResult.Succeeded>(await _f.SignIn.CompleteTotpAsync(ticket.Ticket, _f.CodeNow(creds.TotpSecretBase32), Remote));
        Assert.Equal(Role.SocAdmin, ok.Actor.Role);
        AuditEntry entry = Assert.Single(await _f.AuditEntries("user.bootstrap"));
        Assert.Equal(ActorKind.System, entry.Record.ActorKind);
    }

    [Fact]
    public async Task No_bootstrap_when_any_user_exists()
    {
        _f.CreateUser("viewer.a", Role.TownViewer, _f.A);
        Assert.Null(await _f.Admin.BootstrapOperatorAsync());
    }

    [Fact]
    public async Task Audit_snapshots_hold_no_secrets()
    {
        UserView user = _f.CreateUser("analyst", Role.SocAnalyst, null);
        (_, string secret) = await _f.SignInWithTotpSetup("analyst");
        await _f.Admin.ResetPasswordAsync(IdentityFixture.SocAdmin, user.Id);
        await _f.Admin.ResetTotpAsync(IdentityFixture.SocAdmin, user.Id);

        foreach (AuditEntry e in await _f.AuditEntries())
        {
            string text = e.Record.ToString();
            Assert.DoesNotContain("argon2", text, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
            Assert.DoesNotContain(IdentityFixture.Password, text, StringComparison.Ordinal);
        }
    }
}
