using System.Text;
using Capstan.Api.Json;
using Xunit;

namespace Capstan.Api.Tests.Json;

public sealed class JsonCompressionTests
{
    // A pod as a watch cache would hold it, about 1.3 KB; i varies its name, uid, node, IP and times.
    private const string PodTemplate = """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"pod-@I@","namespace":"bench","uid":"@UID@","resourceVersion":"@RV@","creationTimestamp":"2026-11-27T01:@MIN@:00Z","labels":{"app":"bench"},"managedFields":[{"manager":"kubectl-create","operation":"Update","apiVersion":"v1","time":"2026-11-27T01:@MIN@:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"c\"}":{".":{},"f:image":{},"f:name":{},"f:resources":{".":{},"f:requests":{".":{},"f:cpu":{},"f:memory":{}}}}}}}}]},"spec":{"containers":[{"name":"c","image":"@IMAGE@","resources":{"requests":{"cpu":"10m","memory":"16Mi"}},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent"}],"restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","serviceAccountName":"default","nodeName":"node-@NODE@","schedulerName":"default-scheduler","tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300},{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}],"priority":0},"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True","lastTransitionTime":"2026-11-27T01:@MIN@:01Z"}],"podIP":"10.0.@IP3@.@IP4@","qosClass":"Burstable"}}""";

    private static byte[] Pod(int i, string image = "registry.k8s.io/pause:3.10") => Encoding.UTF8.GetBytes(PodTemplate
        .Replace("@I@", $"{i}").Replace("@UID@", $"{new Guid(i, 7, 7, new byte[8])}").Replace("@RV@", $"{1000 + i}")
        .Replace("@MIN@", $"{i % 60:D2}").Replace("@IMAGE@", image).Replace("@NODE@", $"{i % 5000}")
        .Replace("@IP3@", $"{i / 250}").Replace("@IP4@", $"{i % 250}"));

    // Bytes that no dictionary can shorten.
    private static byte[] Noise(int i, int length)
    {
        var bytes = new byte[length];
        new Random(i).NextBytes(bytes);
        return bytes;
    }

    [Fact]
    public void Pack_BeforeEnoughSamples_KeepsTheJsonItself()
    {
        var compression = new JsonCompression(background: false);
        for (var i = 0; i < JsonCompression.SampleCount - 1; i++)
        {
            var json = Pod(i);

            var packed = compression.Pack(json);

            Assert.Null(packed.Dictionary);
            Assert.Same(json, packed.ToArray());
        }

        Assert.Null(compression.Dictionary);
    }

    [Fact]
    public void Pack_AfterEnoughSamples_TrainsOnceAndCompressesWhatFollows()
    {
        var trained = new List<JsonDictionary>();
        var compression = new JsonCompression(trained.Add, background: false);

        var i = 0;
        while (compression.Dictionary is null)
        {
            Assert.True(i < JsonCompression.MaxSampleCount);
            compression.Pack(Pod(i++));
        }

        // 256 pods of ~1.3 KB are more than 8 × 16 KB of samples: the first 256 are enough.
        Assert.Equal(JsonCompression.SampleCount, i);
        Assert.Single(trained);
        Assert.Same(trained[0], compression.Dictionary);

        var json = Pod(12345);
        var packed = compression.Pack(json);

        Assert.Same(compression.Dictionary, packed.Dictionary);
        Assert.Equal(json.Length, packed.Length);
        Assert.True(packed.PackedLength * 5 < json.Length, $"{packed.PackedLength} of {json.Length} bytes");
        Assert.Equal(json, packed.ToArray());
        using var rented = packed.Rent();
        Assert.Equal(json, rented.Span.ToArray());
        Assert.Single(trained);
    }

    [Fact]
    public void Pack_ContentTheDictionaryCannotShorten_StaysAsItIs()
    {
        var compression = Trained();
        var noise = Noise(1, 600);

        var packed = compression.Pack(noise);

        Assert.Null(packed.Dictionary);
        Assert.Equal(noise, packed.ToArray());
    }

    [Fact]
    public void Repack_MovesJsonToTheCurrentDictionary_AndLeavesPackedOnesAlone()
    {
        var compression = Trained();
        var json = Pod(77);
        var plain = new PackedJson(json);

        var repacked = compression.Repack(plain);
        var again = compression.Repack(repacked);

        Assert.Same(compression.Dictionary, repacked.Dictionary);
        Assert.Equal(json, repacked.ToArray());
        Assert.Equal(repacked.PackedLength, again.PackedLength);
        Assert.Same(repacked.Dictionary, again.Dictionary);
    }

    [Fact]
    public void Repack_WithoutADictionary_ReturnsTheSame()
    {
        var compression = new JsonCompression(background: false);
        var json = Pod(1);

        var packed = compression.Repack(new PackedJson(json));

        Assert.Null(packed.Dictionary);
        Assert.Same(json, packed.ToArray());
    }

    [Fact]
    public void Pack_ObjectsUnlikeTheSamples_TrainsANewDictionary_OldPackedObjectsStayReadable()
    {
        var trained = new List<JsonDictionary>();
        var compression = new JsonCompression(trained.Add, background: false);
        var i = 0;
        while (compression.Dictionary is null)
        {
            compression.Pack(Pod(i++));
        }

        var first = compression.Dictionary;
        var old = compression.Pack(Pod(99999));

        // ConfigMap-like objects full of values the pod dictionary has never seen pack far worse than its samples did.
        for (var n = 0; n < 20 * JsonCompression.DriftWindow && trained.Count == 1; n++)
        {
            compression.Pack(Encoding.UTF8.GetBytes($"{{\"kind\":\"ConfigMap\",\"metadata\":{{\"name\":\"cm-{n}\"}},\"data\":{{\"blob\":\"{Convert.ToBase64String(Noise(n % 16, 96))}{Convert.ToBase64String(Noise(n, 24))}\"}}}}"));
        }

        Assert.Equal(2, trained.Count);
        Assert.NotSame(first, compression.Dictionary);
        Assert.Same(first, old.Dictionary);
        Assert.Equal(Pod(99999), old.ToArray());
    }

    [Fact]
    public void Pack_SamplesTooSmallToTrainOn_KeepsObjectsAsTheyAre()
    {
        var compression = new JsonCompression(background: false);

        // 4,096 objects of 1 byte: 4 KB of samples, too little for the smallest dictionary.
        for (var i = 0; i < 2 * JsonCompression.MaxSampleCount; i++)
        {
            Assert.Null(compression.Pack("0"u8.ToArray()).Dictionary);
        }

        Assert.Null(compression.Dictionary);
    }

    [Fact]
    public async Task Pack_InTheBackground_AnnouncesTheDictionaryOnceTrained()
    {
        var announced = new TaskCompletionSource<JsonDictionary>(TaskCreationOptions.RunContinuationsAsynchronously);
        var compression = new JsonCompression(d => announced.TrySetResult(d));

        for (var i = 0; i < JsonCompression.SampleCount; i++)
        {
            compression.Pack(Pod(i));
        }

        await compression.Training;
        var dictionary = await announced.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Same(dictionary, compression.Dictionary);
        Assert.Same(dictionary, compression.Pack(Pod(5000)).Dictionary);
    }

    [Fact]
    public async Task Decompress_FromManyThreadsAtOnce_EachGetsItsOwnJson()
    {
        var compression = Trained();
        var packed = Enumerable.Range(0, 64).Select(i => (Json: Pod(10000 + i), Packed: compression.Pack(Pod(10000 + i)))).ToArray();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            for (var round = 0; round < 50; round++)
            {
                foreach (var (json, p) in packed)
                {
                    Assert.Equal(json, p.ToArray());
                }
            }
        })));
    }

    private static JsonCompression Trained()
    {
        var compression = new JsonCompression(background: false);
        for (var i = 0; compression.Dictionary is null; i++)
        {
            compression.Pack(Pod(i));
        }

        return compression;
    }
}
