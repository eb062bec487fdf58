using System.Text;
using Capstan.ApiServer.Caching;
using Xunit;

namespace Capstan.ApiServer.Tests.Caching;

public sealed class SharedJsonPiecesTests
{
    [Fact]
    public void Intern_SameBytes_SameArray()
    {
        var pieces = new SharedJsonPieces();
        var fragment = Encoding.UTF8.GetBytes(new string('x', 200));

        var first = pieces.Intern(fragment);
        var second = pieces.Intern(fragment.ToArray());

        Assert.Same(first, second);
        Assert.NotSame(fragment, first);
        Assert.Equal(fragment, first);
        Assert.Equal(1, pieces.Count);
    }

    [Fact]
    public void Intern_DifferentBytes_DifferentArrays()
    {
        var pieces = new SharedJsonPieces();

        var a = pieces.Intern(Encoding.UTF8.GetBytes(new string('a', 200)));
        var b = pieces.Intern(Encoding.UTF8.GetBytes(new string('a', 199) + "b"));

        Assert.NotSame(a, b);
        Assert.Equal(2, pieces.Count);
    }

    [Fact]
    public void Intern_TableFull_StartsAgainButKeepsHandingOutEqualBytes()
    {
        var pieces = new SharedJsonPieces();
        var first = pieces.Intern(Fragment(0));
        for (var i = 1; i < SharedJsonPieces.MaxEntries; i++)
        {
            pieces.Intern(Fragment(i));
        }

        Assert.Equal(SharedJsonPieces.MaxEntries, pieces.Count);
        var again = pieces.Intern(Fragment(SharedJsonPieces.MaxEntries));

        Assert.Equal(1, pieces.Count);
        Assert.Equal(Fragment(SharedJsonPieces.MaxEntries), again);
        Assert.Equal(Fragment(0), first);
    }

    [Theory]
    [InlineData(SharedJsonPieces.MinLength - 1, false)]
    [InlineData(SharedJsonPieces.MinLength, true)]
    [InlineData(SharedJsonPieces.MaxLength, true)]
    [InlineData(SharedJsonPieces.MaxLength + 1, false)]
    public void Worth_OnlyMidSizedFragments(int length, bool expected) => Assert.Equal(expected, SharedJsonPieces.Worth(length));

    private static byte[] Fragment(int i) => Encoding.UTF8.GetBytes($"{{\"f:n{i}\":{{}},\"pad\":\"{new string('p', 100)}\"}}");
}
