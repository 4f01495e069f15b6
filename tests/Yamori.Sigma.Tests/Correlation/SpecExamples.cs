namespace Yamori.Sigma.Tests.Correlation;

/// <summary>
/// The examples of the Sigma v2.1 correlation specification (public domain), verbatim where the spec
/// gives complete documents. Where it shows only a fragment, the additions are the minimum a loader
/// needs (title, logsource) and are marked; base detection rules stand in for the referenced ids.
/// </summary>
internal static class SpecExamples
{
    public const string EventCount = """
        title: Many failed logins
        id: 0e95725d-7320-415d-80f7-004da920fc11
        correlation:
            type: event_count
            rules:
                - 5638f7c0-ac70-491d-8465-2a65075e0d86
            group-by:
                - ComputerName
            timespan: 1h
            condition:
                gte: 100
        """;

    public const string ValueCount = """
        title: Failed login
        id: 0e95725d-7320-415d-80f7-004da920fc12
        correlation:
            type: value_count
            rules:
                - 5638f7c0-ac70-491d-8465-2a65075e0d86
            group-by:
                - ComputerName
                - WorkstationName
            timespan: 1d
            condition:
                field: User
                gte: 100
        """;

    /// <summary>The spec's temporal example with the title of the spec's schema test file.</summary>
    public const string TemporalTitled = """
        title: Recon
        correlation:
            type: temporal
            rules:
                - recon_cmd_a
                - recon_cmd_b
                - recon_cmd_c
            group-by:
                - ComputerName
                - User
            timespan: 5m
        """;

    public const string TemporalOrderedSection = """
        correlation:
            type: temporal_ordered
            rules:
                - many_failed_logins
                - successful_login
            group-by:
                - User
            timespan: 1h
        """;

    public const string ValueSum = """
        title: Possible Exfiltration to Website
        correlation:
            type: value_sum
            rules:
                - website_access
            group-by:
                - SourceIP
                - User
            timespan: 1h
            condition:
                field: bytes_sent
                gt: 1000000
        """;

    public const string ValueAvg = """
        title: Suspicious average network traffic
        correlation:
            type: value_avg
            rules: 
                - rule_a_id
            group-by:
                - SourceIP
                - User
            timespan: 24h
            condition:
                field: BytesOut
                gt: 500
        """;

    public const string ValuePercentile = """
        title: A computer spawned a processes name in the last 24h than 1% of all the processes.
        correlation:
            type: value_percentile
            rules: 
                - process_creation
            group-by:
                - ComputerName
            timespan: 24h
            condition:
                field: image
                lte: 1
        """;

    /// <summary>Field name aliases example; the two rules gain the title and logsource a loader requires.</summary>
    public const string AliasesExample = """
        title: Internal error                   # added
        name: internal_error
        logsource: { category: webserver }      # added
        detection:
            selection:
                http.response.status_code: 500
            condition: selection
        ---
        title: New network connection           # added
        name: new_network_connection
        logsource: { category: network_connection }  # added
        detection:
            selection:
                event.category: network
                event.type: connection
                event.outcome: success
            condition: selection
        ---
        title: —
        id: —
        correlation:
            type: temporal
            rules:
                - internal_error
                - new_network_connection
            group-by:
                - internal_ip
                - remote_ip
            timespan: 10s
            aliases:
                internal_ip:
                    internal_error: destination.ip
                    new_network_connection: source.ip
                remote_ip:
                    internal_error: source.ip
                    new_network_connection: destination.ip
        """;

    /// <summary>"Failed Logins Followed by Successful Login", the spec's complete example (verbatim).</summary>
    public const string FailedLoginsThenSuccess = """
        title: Correlation - Multiple Failed Logins Followed by Successful Login
        id: b180ead8-d58f-40b2-ae54-c8940995b9b6
        status: experimental
        description: Detects multiple failed logins by a single user followed by a successful login of that user
        references:
            - https://reference.com
        author: Florian Roth (Nextron Systems)
        date: 2023-06-16
        correlation:
            type: temporal_ordered
            rules:
                - multiple_failed_login
                - successful_login
            group-by:
                - User
            timespan: 10m
        falsepositives:
            - Unlikely
        level: high
        ---
        title: Multiple failed logons
        id: a8418a5a-5fc4-46b5-b23b-6c73beb19d41
        description: Detects multiple failed logins within a certain amount of time
        name: multiple_failed_login
        correlation:
            type: event_count
            rules:
                - failed_login
            group-by:
                - User
            timespan: 10m
            condition:
                gte: 10
        ---
        title: Single failed login
        id: 53ba33fd-3a50-4468-a5ef-c583635cfa92
        name: failed_login
        logsource:
            product: windows
            service: security
        detection:
            selection:
                EventID:
                    - 529
                    - 4625
            condition: selection
        ---
        title: Successful login
        id: 4d0a2c83-c62c-4ed4-b475-c7e23a9269b8
        description: Detects a successful login
        name: successful_login
        logsource:
            product: windows
            service: security
        detection:
            selection:
                EventID:
                    - 528
                    - 4624
            condition: selection
        """;

    /// <summary>A detection rule with the given id or name, standing in for a rule a spec example references.</summary>
    public static string BaseRule(string idOrName, bool byName = false) => $"""
        title: Base rule {idOrName}
        {(byName ? "name" : "id")}: {idOrName}
        logsource:
            product: windows
            service: security
        detection:
            selection:
                EventID: 4625
            condition: selection
        """;

    public static string With(string correlation, params string[] baseRules)
    {
        var docs = new List<string>(baseRules) { correlation };
        return string.Join("\n---\n", docs);
    }
}
