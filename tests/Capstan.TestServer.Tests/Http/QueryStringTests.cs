using Capstan.TestServer.Http;

namespace Capstan.TestServer.Tests.Http;

public sealed class QueryStringTests
{
    [Theory]
    [InlineData("msg=hello", "msg", "hello")]
    [InlineData("a=1&msg=x+y%21", "msg", "x y!")]
    [InlineData("msg", "msg", "")]
    [InlineData("msg=1&msg=2", "msg", "1")]
    [InlineData("m%73g=enc", "msg", "enc")]
    [InlineData("other=1", "msg", null)]
    [InlineData("", "msg", null)]
    public void Get_Query_ReturnsDecodedFirstValue(string query, string name, string? expected)
    {
        Assert.Equal(expected, QueryString.Get(query, name));
    }
}
