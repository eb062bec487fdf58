namespace Capstan.Bench.Api.Measurement;

/// <param name="FromSend">Watcher saw the event − the writer sent the request.</param>
/// <param name="FromAck">Watcher saw the event − the writer had its response (negative when the event came first).</param>
/// <param name="Missed">Acknowledged writes the watcher never reported within the drain time.</param>
public sealed record WatchLatencyResult(LoadResult Writes, LatencySamples FromSend, LatencySamples FromAck, long Missed, long SeenBeforeAck);
