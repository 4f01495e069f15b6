using Yamori.Cloud.Detection;
using Yamori.Cloud.Incidents;
using Yamori.Cloud.Tenancy;
using Yamori.Cloud.Tests.Detection;
using Yamori.Sigma.Loading;
using Yamori.Sigma.Rules;

namespace Yamori.Cloud.Tests.Incidents;

/// <summary>A small rule set and shortcuts to open incidents without SigmaHQ data.</summary>
internal static class IncidentFixtures
{
    public const string EncodedPowerShell = "5f0a3c43-7a2f-4a0e-9c1e-1b6f5d3e9a01";

    public static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    public static RuleSet Rules { get; } = RuleLoader.LoadYaml($$"""
        title: Encoded PowerShell
        id: {{EncodedPowerShell}}
        level: high
        tags:
            - attack.execution
            - attack.t1059.001
        logsource:
            product: windows
            category: process_creation
        detection:
            selection:
                Image|endswith: '\powershell.exe'
                CommandLine|contains: ' -enc '
            condition: selection
        """);

    /// <summary>Raises one alert through the correlator and returns it (with its incident id).</summary>
    public static async Task<Alert> RaiseAsync(DetectionHarness h, TenantId tenant, DeviceId device, SigmaLevel level, DateTimeOffset at, string? user = null, string rule = "test-rule", string? title = null)
    {
        IReadOnlyList<Alert> alerts = await h.Correlator.ProcessAsync(
            [new AlertCandidate(tenant, device, rule, title ?? $"Test {level}", level, ["attack.t1059.001", "attack.execution"], null, at, user)]);
        return Assert.Single(alerts);
    }

    public static async Task<Incident> OpenAsync(DetectionHarness h, TenantId tenant, DeviceId? device = null, SigmaLevel level = SigmaLevel.Medium, DateTimeOffset? at = null)
    {
        Alert alert = await RaiseAsync(h, tenant, device ?? DeviceId.New(), level, at ?? T0);
        return (await h.Store.GetAsync(TenantScope.For(tenant), alert.IncidentId!.Value))!;
    }
}
