// yamori-agent: the commands are wired in Hosting/AgentCommands.cs.
return await Yamori.Agent.Hosting.AgentCommands.RunAsync(args);
