using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Tenancy;
using Yamori.SocConsole.Session;
using Yamori.SocConsole.Views;

namespace Yamori.SocConsole.Tests.Devices;

/// <summary>
/// Renders console pages with bUnit for a real signed-in town user of the seeded cloud: a real
/// session through <see cref="SignInService"/>, the real views, so the page guards and the scope
/// are the product's own.
/// </summary>
internal static class PageHarness
{
    private const string Address = "127.0.0.1";

    public static async Task<BunitContext> SignedInAsync(SeededCloud seeded, Role role, TenantId town)
    {
        string login = "page-" + Guid.NewGuid().ToString("N")[..12];
        string first = "first-" + Guid.NewGuid().ToString("N");
        string second = "second-" + Guid.NewGuid().ToString("N");
        await seeded.Get<UserAdministration>().CreateUserAsync(Actor.System, new NewUser(login, login, role, town, first));
        SignInService signIn = seeded.Get<SignInService>();
        var signedIn = Assert.IsType<SignInResult.Succeeded>(await signIn.SignInAsync(login, first, Address));
        Assert.True(await signIn.ChangePasswordAsync(signedIn.Actor, first, second, signedIn.SessionToken));
        Actor actor = await signIn.ValidateSessionAsync(signedIn.SessionToken, Address, DateTimeOffset.UtcNow)
            ?? throw new InvalidOperationException("the session did not stand");

        var ctx = new BunitContext();
        ctx.Services.AddSingleton<AuthenticationStateProvider>(new FixedAuthentication(new ActorIdentity(actor, signedIn.SessionToken, "test")));
        ctx.Services.AddSingleton(signIn);
        ctx.Services.AddSingleton(TimeProvider.System);
        ctx.Services.AddScoped<ConsoleSession>();
        ctx.Services.AddSingleton(seeded.Get<DeviceListView>());
        ctx.Services.AddSingleton(seeded.Get<DeviceDetailView>());
        ctx.Services.AddSingleton(seeded.Get<HuntingView>());
        return ctx;
    }

    private sealed class FixedAuthentication(ActorIdentity identity) : AuthenticationStateProvider
    {
        public override Task<AuthenticationState> GetAuthenticationStateAsync() =>
            Task.FromResult(new AuthenticationState(new ClaimsPrincipal(identity)));
    }
}
