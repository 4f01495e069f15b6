using System.Text.Json.Serialization;
using Yamori.Agent.Enrollment;

namespace Yamori.Agent.Hosting;

/// <summary>Source-generated JSON for the agent's own files and its enrollment call (trimming-safe single-file publish).</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true)]
[JsonSerializable(typeof(IdentityInfo))]
[JsonSerializable(typeof(AgentConfigFile))]
[JsonSerializable(typeof(EnrollRequestBody))]
[JsonSerializable(typeof(EnrollResponseBody))]
internal sealed partial class AgentJsonContext : JsonSerializerContext;
