using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Capstan.Agent.Runtime.Tests")]
