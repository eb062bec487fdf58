using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Capstan.Agent.Streaming.Tests")]
