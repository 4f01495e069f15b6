using Bunit;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Tenancy;
using Yamori.SocConsole.Localization;
using Yamori.SocConsole.Session;
using Yamori.SocConsole.Views;

namespace Yamori.SocConsole.Tests.Tenants;

/// <summary>
/// Renders the admin pages (bUnit) as a real signed-in user of <see cref="AdminCloud"/>: the user is
/// created, signs in and sets their own password, so every <c>RequireActorAsync</c> re-validates a
/// real session, and the views are the cloud's own.
/// </summary>
public sealed class SignedInPages : IDisposable
{
    private const string Address = "192.0.2.50";

    private SignedInPages(BunitContext context, Actor actor)
    {
        Context = context;
        Actor = actor;
    }

    public BunitContext Context { get; }

    public Actor Actor { get; }

    public static async Task<SignedInPages> AsAsync(AdminCloud cloud, string login, Role role, TenantId? town)
    {
        const string first = "first-Passw0rd-for-tests";
        const string second = "second-Passw0rd-for-tests";
        await cloud.Get<UserAdministration>().CreateUserAsync(cloud.SocAdmin, new NewUser(login, login, role, town, first));
        SignInService signIn = cloud.Get<SignInService>();
        SignInResult result = await signIn.SignInAsync(login, first, Address);

        // SOC roles must set up a second factor first: the test acts as the authenticator app.
        if (result is SignInResult.TotpSetupRequired setup)
        {
            string code = Totp.Code(Base32.TryDecode(setup.SecretBase32), Totp.StepAt(DateTimeOffset.UtcNow));
            result = await signIn.CompleteTotpAsync(setup.Ticket, code, Address);
        }

        var signedIn = Assert.IsType<SignInResult.Succeeded>(result);
        Assert.True(await signIn.ChangePasswordAsync(signedIn.Actor, first, second, signedIn.SessionToken));
        Actor actor = (await signIn.ValidateSessionAsync(signedIn.SessionToken, Address, DateTimeOffset.UtcNow))!;

        var context = new BunitContext();
        context.Services.AddSingleton<AuthenticationStateProvider>(new FixedAuthentication(new ActorIdentity(actor, signedIn.SessionToken, "test")));
        context.Services.AddSingleton(signIn);
        context.Services.AddSingleton(TimeProvider.System);
        context.Services.AddScoped<ConsoleSession>();
        context.Services.AddSingleton(cloud.Get<RulesView>());
        context.Services.AddSingleton(cloud.Get<TenantsView>());
        context.Services.AddSingleton(cloud.Get<TenantUsersView>());
        context.Services.AddSingleton(cloud.Get<AuditView>());
        return new SignedInPages(context, actor);
    }

    public IRenderedComponent<TPage> Render<TPage>(Action<ComponentParameterCollectionBuilder<TPage>>? parameters = null, string language = "ja")
        where TPage : Microsoft.AspNetCore.Components.IComponent =>
        Context.Render<TPage>(p =>
        {
            p.AddCascadingValue(UiText.For(language));
            parameters?.Invoke(p);
        });

    public void Dispose() => Context.Dispose();

    private sealed class FixedAuthentication(ActorIdentity identity) : AuthenticationStateProvider
    {
        public override Task<AuthenticationState> GetAuthenticationStateAsync() =>
            Task.FromResult(new AuthenticationState(new System.Security.Claims.ClaimsPrincipal(identity)));
    }
}
