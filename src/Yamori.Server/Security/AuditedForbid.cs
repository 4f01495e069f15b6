using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;

namespace Yamori.Server.Security;

/// <summary>
/// A request refused by a route's role policy (a viewer trying to change an incident) is audited
/// like a refusal inside a service: who tried what, from where, under the caller's own town.
/// </summary>
internal sealed class AuditedForbid(IChangeRecorder changes) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden)
        {
            await changes.RecordRefusalAsync(context, "the caller's role may not use this route", CancellationToken.None);
        }

        await _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
