using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using static Capstan.Network.Ingress.Http1.Http1Native;

namespace Capstan.Network.Ingress.Http1;

/// <summary>
/// One client connection of the HTTP/1.1 forwarder, a state machine driven by its loop's epoll events. Each request head
/// is parsed and routed, a pooled (or new) backend connection gets the rewritten head and the body as framed, and the
/// response head is read for its framing, so that the backend connection goes back to the pool when the exchange ends
/// and the next request on this connection can go elsewhere. Both directions move at once (a backend may answer 100
/// Continue, or answer before the body is through); a 101 turns the pair into a plain tunnel. Bytes move through four
/// buffers; a full one stops reading its source, a write that would block waits for EPOLLOUT (backpressure).
/// </summary>
internal sealed unsafe class Http1Session : Http1Socket
{
    private readonly byte[] _clientAddress;
    private readonly Http1RequestHead _request = new();
    private readonly Http1ResponseHead _response = new();
    private readonly int _maxHead;
    private byte[] _in;
    private byte[] _out;
    private byte[]? _upIn;
    private byte[]? _upOut;
    private int _inStart, _inEnd, _outStart, _outEnd, _upInStart, _upInEnd, _upOutStart, _upOutEnd;
    private Phase _phase;
    private Http1Upstream? _upstream;
    private Http1Route _route;
    private long _started;
    private long _lastActivity = Environment.TickCount64;
    private bool _reported;
    private bool _clientEof, _upstreamEof, _clientWriteShut, _upstreamWriteShut, _clientWantWrite, _upstreamWantWrite;
    private bool _requestDone;
    private long _requestRemaining;
    private ChunkedScanner _requestChunks;
    private ResponsePhase _responsePhase;
    private long _responseRemaining;
    private ChunkedScanner _responseChunks;
    private bool _responseStarted, _closeClient;

    // A request without body sent on a pooled connection that the backend closed meanwhile is sent again once, on a new
    // connection (as HttpClient does): its forwarded head is still at the start of the backend buffer.
    private bool _upstreamPooled, _retried;
    private int _forwardedHeadLength;

    // The strings of the previous request's host and path: a connection mostly repeats them, and then needs no new ones.
    private byte[] _hostBytes = [];
    private string _host = "";
    private byte[] _pathBytes = [];
    private string _path = "/";

    public Http1Session(Socket socket, Http1EventLoop loop)
        : base(socket, loop)
    {
        socket.NoDelay = true;
        var address = socket.RemoteEndPoint is IPEndPoint remote ? remote.Address : IPAddress.None;
        _clientAddress = Encoding.ASCII.GetBytes((address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString());
        _in = ArrayPool<byte>.Shared.Rent(loop.Options.BufferSize);
        _out = ArrayPool<byte>.Shared.Rent(loop.Options.BufferSize);

        // Room for the headers the forwarded head gains (X-Forwarded-*), which must fit the backend buffer too.
        _maxHead = loop.Options.BufferSize - 1024;
    }

    private enum Phase
    {
        /// <summary>Waiting for (the rest of) a request head.</summary>
        Idle,
        Exchange,
        Tunnel,

        /// <summary>Flushing a last answer, then half-closing and discarding input until the client closes.</summary>
        Closing,
    }

    private enum ResponsePhase
    {
        Head,
        Body,
    }

    public bool IsClosed => Closed;

    public override void OnEvents(uint events)
    {
        _lastActivity = Environment.TickCount64;
        if ((events & EpollErr) != 0)
        {
            Abort();
            return;
        }

        if ((events & EpollOut) != 0)
        {
            _clientWantWrite = false;
            FlushClient();
        }

        if (!Closed && (events & (EpollIn | EpollRdHup | EpollHup)) != 0)
        {
            ReadClient(events);
        }

        Process();
    }

    public void OnUpstreamEvents(uint events)
    {
        _lastActivity = Environment.TickCount64;
        var upstream = _upstream!;
        if (upstream.Connecting)
        {
            if ((events & (EpollOut | EpollErr | EpollHup)) == 0)
            {
                return;
            }

            if (!upstream.CompleteConnect())
            {
                FailUpstream();
                Process();
                return;
            }
        }

        if ((events & EpollOut) != 0)
        {
            _upstreamWantWrite = false;
            FlushUpstream();
        }

        if (!Closed && _upstream is not null && (events & (EpollIn | EpollRdHup | EpollHup | EpollErr)) != 0)
        {
            ReadUpstream(events);
        }

        Process();
    }

    /// <summary>Closes both connections with a reset (client gone, loop stopping, protocol error mid-response).</summary>
    public void Abort()
    {
        if (_phase == Phase.Exchange && !_reported)
        {
            Report(_responseStarted ? _response.StatusCode : 0, backendFailed: false);
        }

        CloseSession(reset: true);
    }

    public void CheckTimeouts(long now)
    {
        if (Closed)
        {
            return;
        }

        var idle = now - _lastActivity;
        var options = Loop.Options;
        switch (_phase)
        {
            case Phase.Idle when idle > (_inStart == _inEnd ? options.KeepAliveTimeout : options.HeadTimeout).TotalMilliseconds:
                CloseSession(reset: false);
                break;
            case Phase.Exchange when _upstream is { Connecting: true } connecting && now - connecting.Since > options.ConnectTimeout.TotalMilliseconds:
                FailUpstream();
                Process();
                break;
            case Phase.Exchange when idle > options.ActivityTimeout.TotalMilliseconds:
                FailUpstream(timeout: true);
                Process();
                break;
            case Phase.Closing when idle > 2000:
                CloseSession(reset: false);
                break;
        }
    }

    // Moves bytes between the buffers until nothing more moves, then writes: a response head and its body (or a request
    // head and its body) read together leave in one send.
    private void Process()
    {
        while (!Closed)
        {
            while (Move())
            {
                if (Closed)
                {
                    return;
                }
            }

            if (Closed)
            {
                return;
            }

            var flushed = _upstream is { Connecting: false } && FlushUpstream();
            flushed |= FlushClient();
            if (!flushed)
            {
                break;
            }
        }

        if (!Closed)
        {
            UpdateInterest();
        }
    }

    private bool Move() => _phase switch
    {
        Phase.Idle => StartExchange(),
        Phase.Exchange => MoveRequest() | MoveResponse(),
        Phase.Tunnel => MoveTunnel(),
        _ => Drain(),
    };

    private bool StartExchange()
    {
        if (_inStart == _inEnd)
        {
            if (_clientEof)
            {
                _phase = Phase.Closing;
                return true;
            }

            return false;
        }

        var buffer = _in.AsSpan(_inStart, _inEnd - _inStart);
        switch (_request.Parse(buffer))
        {
            case Http1ParseStatus.Incomplete:
                if (buffer.Length >= _maxHead)
                {
                    Reply(431, close: true);
                    return true;
                }

                if (_clientEof)
                {
                    CloseSession(reset: false);
                }

                return false;
            case Http1ParseStatus.Complete when _request.Length <= _maxHead:
                break;
            case Http1ParseStatus.Complete:
                Reply(431, close: true);
                return true;
            case Http1ParseStatus.Http2Preface:
                // This port speaks HTTP/1.1 only (as Kestrel's listener here did): an h2c client gets the connection closed.
                CloseSession(reset: false);
                return false;
            default:
                Reply(400, close: true);
                return true;
        }

        _started = Stopwatch.GetTimestamp();
        _reported = false;
        buffer = buffer[.._request.Length];
        _route = Loop.Router.Route(CachedHost(buffer), CachedPath(buffer));
        var hasBody = _request.Framing != BodyFraming.None;
        if (_route.Kind is Http1RouteKind.NotFound or Http1RouteKind.Unavailable)
        {
            var status = _route.Kind == Http1RouteKind.NotFound ? 404 : 503;
            Report(status, backendFailed: false);
            _inStart += _request.Length;
            Reply(status, close: hasBody || _request.Close);
            return true;
        }

        var upstream = Loop.Upstream(_route.EndPoint!, out _upstreamPooled);
        _retried = false;
        if (upstream is null)
        {
            Report(502, backendFailed: true);
            _inStart += _request.Length;
            Reply(502, close: hasBody || _request.Close);
            return true;
        }

        _upstream = upstream;
        upstream.Owner = this;
        upstream.Since = Environment.TickCount64;
        _upIn = Loop.RentBuffer();
        _upOut = Loop.RentBuffer();
        _upInStart = _upInEnd = _upOutStart = _upOutEnd = 0;
        _upstreamEof = _upstreamWriteShut = _upstreamWantWrite = false;
        if (_route.Kind == Http1RouteKind.Fallback)
        {
            buffer.CopyTo(_upOut);
            _upOutEnd = buffer.Length;
        }
        else
        {
            _upOutEnd = _request.WriteForwarded(buffer, _upOut, _clientAddress, tls: false);
        }

        _forwardedHeadLength = _upOutEnd;

        _inStart += _request.Length;
        _requestDone = !hasBody;
        _requestRemaining = _request.ContentLength;
        _requestChunks.Reset();
        _responsePhase = ResponsePhase.Head;
        _responseStarted = false;
        _closeClient = _request.Close;
        _phase = Phase.Exchange;
        return true;
    }

    private string CachedHost(ReadOnlySpan<byte> buffer)
    {
        var bytes = _request.HostBytes(buffer);
        if (!bytes.SequenceEqual(_hostBytes))
        {
            _hostBytes = bytes.ToArray();
            _host = Encoding.ASCII.GetString(bytes);
        }

        return _host;
    }

    private string CachedPath(ReadOnlySpan<byte> buffer)
    {
        var bytes = buffer[_request.Path];
        if (!bytes.SequenceEqual(_pathBytes))
        {
            _pathBytes = bytes.ToArray();
            _path = _request.RoutingPath(buffer);
        }

        return _path;
    }

    private bool MoveRequest()
    {
        if (_requestDone)
        {
            return false;
        }

        if (_inStart == _inEnd)
        {
            if (_clientEof)
            {
                // The client left in the middle of its body: nothing to answer, and the backend connection is unusable.
                Abort();
            }

            return false;
        }

        Compact(ref _upOutStart, ref _upOutEnd, _upOut!);
        var count = Math.Min(_inEnd - _inStart, _upOut!.Length - _upOutEnd);
        if (count == 0)
        {
            return false;
        }

        if (_request.Framing == BodyFraming.ContentLength)
        {
            count = (int)Math.Min(count, _requestRemaining);
            _requestRemaining -= count;
            _requestDone = _requestRemaining == 0;
        }
        else
        {
            count = _requestChunks.Scan(_in.AsSpan(_inStart, count));
            if (_requestChunks.IsInvalid)
            {
                ReleaseUpstream(reuse: false, reset: true);
                Report(400, backendFailed: false);
                if (_responseStarted)
                {
                    Abort();
                }
                else
                {
                    Reply(400, close: true);
                }

                return true;
            }

            _requestDone = _requestChunks.IsDone;
        }

        _in.AsSpan(_inStart, count).CopyTo(_upOut.AsSpan(_upOutEnd));
        _inStart += count;
        _upOutEnd += count;
        return true;
    }

    private bool MoveResponse()
    {
        if (_phase != Phase.Exchange || _upstream is null)
        {
            return false;
        }

        return _responsePhase == ResponsePhase.Head ? MoveResponseHead() : MoveResponseBody();
    }

    private bool MoveResponseHead()
    {
        if (_upInStart == _upInEnd)
        {
            if (_upstreamEof)
            {
                FailUpstream();
                return true;
            }

            return false;
        }

        var buffer = _upIn.AsSpan(_upInStart, _upInEnd - _upInStart);
        switch (_response.Parse(buffer, _request.IsHeadMethod))
        {
            case Http1ParseStatus.Incomplete:
                if (_upstreamEof || buffer.Length == _upIn!.Length)
                {
                    FailUpstream();
                    return true;
                }

                if (_upInEnd == _upIn.Length)
                {
                    Compact(ref _upInStart, ref _upInEnd, _upIn, force: true);
                    return true;
                }

                return false;
            case Http1ParseStatus.Complete:
                break;
            default:
                FailUpstream();
                return true;
        }

        var head = buffer[.._response.Length];
        var status = _response.StatusCode;
        if (status < 200)
        {
            if (status == 101 && !_request.WantsUpgrade)
            {
                FailUpstream();
                return true;
            }

            // 100 Continue, 103 Early Hints: passed on as they are; the final response follows. 101 starts the tunnel.
            if (!CopyToClient(head))
            {
                return false;
            }

            _upInStart += _response.Length;
            if (status == 101)
            {
                _responseStarted = true;
                Report(101, backendFailed: false);
                _phase = Phase.Tunnel;
            }

            return true;
        }

        var close = _closeClient || _response.Http10 || _response.Framing == BodyFraming.UntilClose;
        Compact(ref _outStart, ref _outEnd, _out);
        int written;
        if (close || _response.HasHopByHop)
        {
            written = _response.WriteForwarded(head, _out.AsSpan(_outEnd), close);
        }
        else if (head.Length <= _out.Length - _outEnd)
        {
            head.CopyTo(_out.AsSpan(_outEnd));
            written = head.Length;
        }
        else
        {
            written = -1;
        }

        if (written < 0)
        {
            // No room until the client takes what is queued; a head larger than the whole buffer is the backend's fault.
            if (_outStart == _outEnd)
            {
                FailUpstream();
                return true;
            }

            return false;
        }

        _outEnd += written;
        _upInStart += _response.Length;
        _responseStarted = true;
        _closeClient = close;
        _responseRemaining = _response.ContentLength;
        _responseChunks.Reset();
        if (_response.Framing == BodyFraming.None)
        {
            ResponseDone();
        }
        else
        {
            _responsePhase = ResponsePhase.Body;
        }

        return true;
    }

    private bool MoveResponseBody()
    {
        if (_upInStart == _upInEnd)
        {
            if (!_upstreamEof)
            {
                return false;
            }

            if (_response.Framing == BodyFraming.UntilClose)
            {
                ResponseDone();
            }
            else
            {
                // Closed before the body's end: the client must not take a truncated body for a whole one.
                FailUpstream();
            }

            return true;
        }

        Compact(ref _outStart, ref _outEnd, _out);
        var count = Math.Min(_upInEnd - _upInStart, _out.Length - _outEnd);
        if (count == 0)
        {
            return false;
        }

        var done = false;
        switch (_response.Framing)
        {
            case BodyFraming.ContentLength:
                count = (int)Math.Min(count, _responseRemaining);
                _responseRemaining -= count;
                done = _responseRemaining == 0;
                break;
            case BodyFraming.Chunked:
                count = _responseChunks.Scan(_upIn.AsSpan(_upInStart, count));
                if (_responseChunks.IsInvalid)
                {
                    FailUpstream();
                    return true;
                }

                done = _responseChunks.IsDone;
                break;
        }

        _upIn.AsSpan(_upInStart, count).CopyTo(_out.AsSpan(_outEnd));
        _upInStart += count;
        _outEnd += count;
        if (done)
        {
            ResponseDone();
        }

        return true;
    }

    private void ResponseDone()
    {
        Report(_response.StatusCode, backendFailed: false);

        // Reusable only when both messages ended exactly where their framing said and nothing else is in flight.
        var reusable = _requestDone && !_response.Close && !_upstreamEof && _upInStart == _upInEnd && _upOutStart == _upOutEnd;
        ReleaseUpstream(reusable, reset: false);

        // A request body not read to its end leaves no way to find the next request: the connection closes.
        _phase = !_requestDone || _closeClient ? Phase.Closing : Phase.Idle;
    }

    private bool MoveTunnel()
    {
        var progress = false;
        if (_upstream is null)
        {
            CloseSession(reset: false);
            return false;
        }

        if (_inStart < _inEnd)
        {
            Compact(ref _upOutStart, ref _upOutEnd, _upOut!);
            var count = Math.Min(_inEnd - _inStart, _upOut!.Length - _upOutEnd);
            _in.AsSpan(_inStart, count).CopyTo(_upOut.AsSpan(_upOutEnd));
            _inStart += count;
            _upOutEnd += count;
            progress |= count > 0;
        }
        else if (_clientEof && !_upstreamWriteShut && _upOutStart == _upOutEnd)
        {
            _ = Shutdown(_upstream.Fd, ShutWr);
            _upstreamWriteShut = true;
            progress = true;
        }

        if (_upInStart < _upInEnd)
        {
            Compact(ref _outStart, ref _outEnd, _out);
            var count = Math.Min(_upInEnd - _upInStart, _out.Length - _outEnd);
            _upIn.AsSpan(_upInStart, count).CopyTo(_out.AsSpan(_outEnd));
            _upInStart += count;
            _outEnd += count;
            progress |= count > 0;
        }
        else if (_upstreamEof && !_clientWriteShut && _outStart == _outEnd)
        {
            _ = Shutdown(Fd, ShutWr);
            _clientWriteShut = true;
            progress = true;
        }

        if (_clientWriteShut && _upstreamWriteShut)
        {
            CloseSession(reset: false);
            return false;
        }

        return progress;
    }

    private bool Drain()
    {
        _inStart = _inEnd = 0;
        if (_outStart < _outEnd)
        {
            return false;
        }

        if (!_clientWriteShut)
        {
            _ = Shutdown(Fd, ShutWr);
            _clientWriteShut = true;
        }

        if (_clientEof)
        {
            CloseSession(reset: false);
        }

        return false;
    }

    /// <summary>The backend failed (refused, reset, closed early, spoke no HTTP, timed out): 502/504, or a reset once the response started.</summary>
    private void FailUpstream(bool timeout = false)
    {
        if (!timeout && TryResend())
        {
            return;
        }

        ReleaseUpstream(reuse: false, reset: true);
        if (_phase == Phase.Tunnel)
        {
            CloseSession(reset: true);
            return;
        }

        if (_phase != Phase.Exchange)
        {
            return;
        }

        var status = timeout ? 504 : 502;
        Report(_responseStarted ? _response.StatusCode : status, backendFailed: true);
        if (_responseStarted)
        {
            CloseSession(reset: true);
            return;
        }

        Reply(status, close: !_requestDone || _closeClient);
    }

    private bool TryResend()
    {
        if (_phase != Phase.Exchange || !_upstreamPooled || _retried || _responseStarted || _responsePhase != ResponsePhase.Head
            || _request.Framing != BodyFraming.None || _upInStart != _upInEnd || _upstream is null)
        {
            return false;
        }

        var endPoint = _upstream.EndPoint;
        _upstream.Close(reset: true);
        _upstream = null;
        var fresh = Http1Upstream.Connect(Loop, endPoint);
        if (fresh is null)
        {
            return false;
        }

        _retried = true;
        _upstreamPooled = false;
        _upstream = fresh;
        fresh.Owner = this;
        _upInStart = _upInEnd = 0;
        _upOutStart = 0;
        _upOutEnd = _forwardedHeadLength;
        _upstreamEof = _upstreamWantWrite = _upstreamWriteShut = false;
        return true;
    }

    private void Reply(int status, bool close)
    {
        var answer = Http1Responses.For(status, close);
        Compact(ref _outStart, ref _outEnd, _out);
        if (answer.Length > _out.Length - _outEnd)
        {
            CloseSession(reset: true);
            return;
        }

        answer.CopyTo(_out.AsSpan(_outEnd));
        _outEnd += answer.Length;
        _phase = close ? Phase.Closing : Phase.Idle;
    }

    private void Report(int status, bool backendFailed)
    {
        if (!_reported)
        {
            _reported = true;
            Loop.Router.Completed(_route, status, backendFailed, Stopwatch.GetTimestamp() - _started);
        }
    }

    private bool CopyToClient(ReadOnlySpan<byte> bytes)
    {
        Compact(ref _outStart, ref _outEnd, _out);
        if (bytes.Length > _out.Length - _outEnd)
        {
            if (_outStart == _outEnd)
            {
                FailUpstream();
            }

            return false;
        }

        bytes.CopyTo(_out.AsSpan(_outEnd));
        _outEnd += bytes.Length;
        return true;
    }

    private void ReadClient(uint events)
    {
        Compact(ref _inStart, ref _inEnd, _in);
        if (_clientEof || _inEnd == _in.Length)
        {
            // Not reading now, but epoll reports a hang-up whatever the interest: the client is gone both ways.
            if ((events & EpollHup) != 0)
            {
                Abort();
            }

            return;
        }

        nint read;
        fixed (byte* buffer = _in)
        {
            read = Recv(Fd, buffer + _inEnd, (nuint)(_in.Length - _inEnd), 0);
        }

        if (read > 0)
        {
            _inEnd += (int)read;
        }
        else if (read == 0)
        {
            _clientEof = true;
        }
        else if (Marshal.GetLastPInvokeError() is not (EAgain or EIntr))
        {
            Abort();
        }
    }

    private void ReadUpstream(uint events)
    {
        Compact(ref _upInStart, ref _upInEnd, _upIn!);
        if (_upstreamEof || _upInEnd == _upIn!.Length)
        {
            if ((events & EpollHup) != 0 && !_upstreamEof)
            {
                FailUpstream();
            }

            return;
        }

        nint read;
        fixed (byte* buffer = _upIn)
        {
            read = Recv(_upstream!.Fd, buffer + _upInEnd, (nuint)(_upIn.Length - _upInEnd), 0);
        }

        if (read > 0)
        {
            _upInEnd += (int)read;
        }
        else if (read == 0)
        {
            _upstreamEof = true;
        }
        else if (Marshal.GetLastPInvokeError() is not (EAgain or EIntr))
        {
            // Bytes already read are still relayed; the framing decides whether what came was whole.
            _upstreamEof = true;
            if (_phase == Phase.Tunnel || _responsePhase == ResponsePhase.Head && _upInStart == _upInEnd)
            {
                FailUpstream();
            }
        }
    }

    private bool FlushClient()
    {
        var sent = false;
        while (_outStart < _outEnd && !_clientWantWrite)
        {
            nint written;
            fixed (byte* buffer = _out)
            {
                written = Send(Fd, buffer + _outStart, (nuint)(_outEnd - _outStart), MsgNoSignal);
            }

            if (written < 0)
            {
                var error = Marshal.GetLastPInvokeError();
                if (error == EIntr)
                {
                    continue;
                }

                if (error == EAgain)
                {
                    _clientWantWrite = true;
                    break;
                }

                Abort();
                return false;
            }

            _outStart += (int)written;
            sent = true;
        }

        return sent;
    }

    private bool FlushUpstream()
    {
        var sent = false;
        while (_upstream is not null && _upOutStart < _upOutEnd && !_upstreamWantWrite)
        {
            nint written;
            fixed (byte* buffer = _upOut)
            {
                written = Send(_upstream.Fd, buffer + _upOutStart, (nuint)(_upOutEnd - _upOutStart), MsgNoSignal);
            }

            if (written < 0)
            {
                var error = Marshal.GetLastPInvokeError();
                if (error == EIntr)
                {
                    continue;
                }

                if (error == EAgain)
                {
                    _upstreamWantWrite = true;
                    break;
                }

                // The backend stopped reading (it may have answered already: that answer is still read and relayed).
                _upOutStart = _upOutEnd;
                if (_phase == Phase.Tunnel || _responsePhase == ResponsePhase.Head && _upInStart == _upInEnd && _upstreamEof)
                {
                    FailUpstream();
                }

                return true;
            }

            _upOutStart += (int)written;
            sent = true;
        }

        return sent;
    }

    private void UpdateInterest()
    {
        Compact(ref _inStart, ref _inEnd, _in);
        var client = (!_clientEof && _inEnd < _in.Length ? EpollIn | EpollRdHup : 0) | (_clientWantWrite ? EpollOut : 0);
        if (!Loop.SetInterest(this, client))
        {
            Abort();
            return;
        }

        if (_upstream is { } upstream)
        {
            Compact(ref _upInStart, ref _upInEnd, _upIn!);
            var interest = (!_upstreamEof && _upInEnd < _upIn!.Length ? EpollIn | EpollRdHup : 0) | (_upstreamWantWrite || upstream.Connecting ? EpollOut : 0);
            if (!Loop.SetInterest(upstream, interest))
            {
                FailUpstream();
            }
        }
    }

    private void ReleaseUpstream(bool reuse, bool reset)
    {
        if (_upstream is { } upstream)
        {
            _upstream = null;
            if (reuse)
            {
                Loop.ReturnToPool(upstream);
            }
            else
            {
                upstream.Close(reset);
            }
        }

        if (_upIn is not null)
        {
            Loop.ReturnBuffer(_upIn);
            _upIn = null;
        }

        if (_upOut is not null)
        {
            Loop.ReturnBuffer(_upOut);
            _upOut = null;
        }

        _upInStart = _upInEnd = _upOutStart = _upOutEnd = 0;
        _upstreamEof = _upstreamWantWrite = _upstreamWriteShut = false;
    }

    private void CloseSession(bool reset)
    {
        if (Closed)
        {
            return;
        }

        ReleaseUpstream(reuse: false, reset);
        CloseSocket(reset);
        ArrayPool<byte>.Shared.Return(_in);
        ArrayPool<byte>.Shared.Return(_out);
        _in = [];
        _out = [];
        _inStart = _inEnd = _outStart = _outEnd = 0;
    }

    // Unread bytes move to the front so the buffer's tail is free for reading; an empty buffer starts over at 0.
    private static void Compact(ref int start, ref int end, byte[] buffer, bool force = false)
    {
        if (start == end)
        {
            start = end = 0;
        }
        else if (start > 0 && (end == buffer.Length || force))
        {
            Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
            end -= start;
            start = 0;
        }
    }
}
