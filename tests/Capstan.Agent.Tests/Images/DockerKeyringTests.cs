using System.Text;
using Capstan.Agent.Images;

namespace Capstan.Agent.Tests.Images;

public sealed class DockerKeyringTests
{
    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    [Fact]
    public void Find_DockerConfigJson_MatchesRegistryHost()
    {
        var keyring = new DockerKeyring();
        keyring.Add(new Dictionary<string, string>
        {
            [".dockerconfigjson"] = "{\"auths\":{\"registry.example:5000\":{\"auth\":\"" + B64("alice:secret") + "\"},\"https://index.docker.io/v1/\":{\"username\":\"bob\",\"password\":\"pw\"}}}",
        });

        var private_ = keyring.Find("registry.example:5000/team/app:1");
        var hub = keyring.Find("busybox:1");

        Assert.Equal(("alice", "secret"), (private_?.Username, private_?.Password));
        Assert.Equal(("bob", "pw"), (hub?.Username, hub?.Password));
        Assert.Null(keyring.Find("other.example/app:1"));
    }

    [Fact]
    public void Find_DockerCfgWithWildcard_MatchesSubdomains()
    {
        var keyring = new DockerKeyring();
        keyring.Add(new Dictionary<string, string> { [".dockercfg"] = """{"*.corp.example":{"username":"u","password":"p"}}""" });

        Assert.Equal("u", keyring.Find("registry.corp.example/app:1")?.Username);
        Assert.Null(keyring.Find("corp.example.evil/app:1"));
    }

    [Fact]
    public void Add_MalformedJson_AddsNothing()
    {
        var keyring = new DockerKeyring();
        keyring.Add(new Dictionary<string, string> { [".dockerconfigjson"] = "{not json" });

        Assert.Equal(0, keyring.Count);
    }
}
