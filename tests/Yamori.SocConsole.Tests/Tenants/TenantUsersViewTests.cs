using Yamori.Cloud.Audit;
using Yamori.Cloud.Identity;
using Yamori.SocConsole.Views;

namespace Yamori.SocConsole.Tests.Tenants;

/// <summary>Users of a town through the console, with the rights <see cref="UserAdministration"/> enforces.</summary>
public sealed class TenantUsersViewTests : IAsyncLifetime
{
    private AdminCloud _cloud = null!;

    private TenantUsersView View => _cloud.Get<TenantUsersView>();

    public async Task InitializeAsync() => _cloud = await AdminCloud.StartAsync();

    public async Task DisposeAsync() => await _cloud.DisposeAsync();

    [Fact]
    public async Task A_town_admin_manages_their_towns_users_and_the_one_time_password_is_shown_once()
    {
        CreatedUser created = (await View.CreateAsync(_cloud.AdminA, "tanaka", "田中 太郎", Role.TownViewer, _cloud.TownA.Id))!;
        Assert.False(string.IsNullOrEmpty(created.OneTimePassword));
        Assert.DoesNotContain(created.OneTimePassword!, created.ToString(), StringComparison.Ordinal);
        UserView listed = Assert.Single((await View.ListAsync(_cloud.AdminA, _cloud.TownA.Id))!);
        Assert.Equal(("tanaka", Role.TownViewer, true), (listed.Login, listed.Role, listed.MustChangePassword));

        PasswordReset reset = (await View.ResetPasswordAsync(_cloud.AdminA, listed.Id))!;
        Assert.NotEqual(created.OneTimePassword, reset.OneTimePassword);
        Assert.True((await View.SetDisabledAsync(_cloud.AdminA, listed.Id, true))!.Disabled);

        IReadOnlyList<AuditEntry> log = await _cloud.AuditAsync();
        Assert.Equal(["user.create", "user.password.reset", "user.disable"], log.Where(e => e.Record.Action.StartsWith("user.", StringComparison.Ordinal)).Select(e => e.Record.Action));
        Assert.All(log, e => Assert.DoesNotContain(reset.OneTimePassword, $"{e.Record.Before}{e.Record.After}{e.Record.Detail}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Town_B_never_sees_or_manages_town_A_users_and_town_admins_cannot_create_soc_users()
    {
        CreatedUser a = (await View.CreateAsync(_cloud.SocAdmin, "suzuki", "鈴木", Role.TownAdmin, _cloud.TownA.Id))!;
        await View.CreateAsync(_cloud.SocAdmin, "analyst1", "SOC 分析", Role.SocAnalyst, null);

        Assert.Null(await View.ListAsync(_cloud.AdminB, _cloud.TownA.Id));
        Assert.Empty((await View.ListAsync(_cloud.AdminB, _cloud.TownB.Id))!);
        Assert.Empty((await View.ListAsync(_cloud.AdminB, null))!);
        Assert.Null(await View.CreateAsync(_cloud.AdminB, "intruder", "侵入", Role.TownAdmin, _cloud.TownA.Id));
        Assert.Null(await View.ResetPasswordAsync(_cloud.AdminB, a.User.Id));
        Assert.Null(await View.SetDisabledAsync(_cloud.AdminB, a.User.Id, true));
        AccessDeniedException soc = await Assert.ThrowsAsync<AccessDeniedException>(() => View.CreateAsync(_cloud.AdminA, "boss", "上司", Role.SocAdmin, null));
        Assert.Contains("SOC", soc.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<AccessDeniedException>(() => View.CreateAsync(_cloud.SocAnalyst, "yamada", "山田", Role.TownViewer, _cloud.TownA.Id));

        Assert.Equal(["suzuki"], (await View.ListAsync(_cloud.SocAnalyst, _cloud.TownA.Id))!.Select(u => u.Login));
        Assert.Equal(["analyst1"], (await View.ListAsync(_cloud.SocAnalyst, null))!.Select(u => u.Login));
        Assert.False((await View.ListAsync(_cloud.AdminA, _cloud.TownA.Id))!.Single().Disabled);
    }

    [Fact]
    public async Task A_town_admin_changes_a_role_within_the_town_and_resets_a_lost_second_factor_and_town_B_cannot()
    {
        CreatedUser created = (await View.CreateAsync(_cloud.SocAdmin, "sato", "佐藤", Role.TownViewer, _cloud.TownA.Id))!;
        UserView listed = Assert.Single((await View.ListAsync(_cloud.AdminA, _cloud.TownA.Id))!);

        Assert.Null(await View.ChangeRoleAsync(_cloud.AdminB, listed, Role.TownAdmin));
        UserView promoted = (await View.ChangeRoleAsync(_cloud.AdminA, listed, Role.TownAdmin))!;
        Assert.Equal((Role.TownAdmin, _cloud.TownA.Id), (promoted.Role, promoted.Tenant!.Value));
        // A town user never becomes a SOC role through their town (the page offers only town roles).
        await Assert.ThrowsAsync<ArgumentException>(() => View.ChangeRoleAsync(_cloud.AdminA, promoted, Role.SocAdmin));

        Assert.Null(await View.ResetTotpAsync(_cloud.AdminB, created.User.Id));
        Assert.False((await View.ResetTotpAsync(_cloud.AdminA, created.User.Id))!.TotpEnabled);

        IReadOnlyList<AuditEntry> log = await _cloud.AuditAsync();
        Assert.Contains(log, e => e.Record.Action == "user.role" && e.Record.ActorId == _cloud.AdminA.Id && e.Record.After!.Contains("town-admin", StringComparison.Ordinal));
        Assert.Contains(log, e => e.Record.Action.StartsWith("user.totp", StringComparison.Ordinal) && e.Record.ActorId == _cloud.AdminA.Id);
    }
}
