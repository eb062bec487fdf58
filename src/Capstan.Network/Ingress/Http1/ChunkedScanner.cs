namespace Capstan.Network.Ingress.Http1;

/// <summary>
/// Finds where a chunked body ends (RFC 9112 section 7.1) in bytes that arrive in pieces, without changing them: the
/// body is forwarded as it came, chunk sizes, extensions and trailers included. Rejects what is not chunked syntax.
/// </summary>
internal struct ChunkedScanner
{
    private State _state;
    private long _remaining;
    private int _sizeDigits;

    private enum State
    {
        Size,
        Extension,
        SizeLf,
        Data,
        DataCr,
        DataLf,
        TrailerStart,
        Trailer,
        TrailerLf,
        FinalLf,
        Done,
        Invalid,
    }

    public readonly bool IsDone => _state == State.Done;

    public readonly bool IsInvalid => _state == State.Invalid;

    public void Reset() => this = default;

    /// <summary>
    /// Consumes bytes of <paramref name="data"/> up to the end of the body and returns how many belong to it (all of
    /// them unless the body ends inside). Check <see cref="IsDone"/> and <see cref="IsInvalid"/> after.
    /// </summary>
    public int Scan(ReadOnlySpan<byte> data)
    {
        var i = 0;
        while (i < data.Length && _state is not (State.Done or State.Invalid))
        {
            var b = data[i];
            switch (_state)
            {
                case State.Size:
                    if (HexValue(b) is var digit and >= 0)
                    {
                        // Sixteen hex digits would overflow a long; no body is that large.
                        if (++_sizeDigits > 15)
                        {
                            _state = State.Invalid;
                            return i;
                        }

                        _remaining = (_remaining << 4) | (uint)digit;
                    }
                    else if (_sizeDigits > 0 && b is (byte)';' or (byte)' ' or (byte)'\t')
                    {
                        _state = State.Extension;
                    }
                    else if (_sizeDigits > 0 && b == '\r')
                    {
                        _state = State.SizeLf;
                    }
                    else
                    {
                        _state = State.Invalid;
                        return i;
                    }

                    i++;
                    break;
                case State.Extension:
                    if (b == '\r')
                    {
                        _state = State.SizeLf;
                    }
                    else if (b == '\n')
                    {
                        _state = State.Invalid;
                        return i;
                    }

                    i++;
                    break;
                case State.SizeLf:
                    if (b != '\n')
                    {
                        _state = State.Invalid;
                        return i;
                    }

                    i++;
                    _sizeDigits = 0;
                    _state = _remaining == 0 ? State.TrailerStart : State.Data;
                    break;
                case State.Data:
                    var take = (int)Math.Min(_remaining, data.Length - i);
                    i += take;
                    _remaining -= take;
                    if (_remaining == 0)
                    {
                        _state = State.DataCr;
                    }

                    break;
                case State.DataCr:
                    _state = b == '\r' ? State.DataLf : State.Invalid;
                    i++;
                    break;
                case State.DataLf:
                    _state = b == '\n' ? State.Size : State.Invalid;
                    i++;
                    break;
                case State.TrailerStart:
                    // An empty line ends the body; anything else is a trailer field line.
                    _state = b == '\r' ? State.FinalLf : State.Trailer;
                    i++;
                    break;
                case State.Trailer:
                    if (b == '\r')
                    {
                        _state = State.TrailerLf;
                    }

                    i++;
                    break;
                case State.TrailerLf:
                    _state = b == '\n' ? State.TrailerStart : State.Invalid;
                    i++;
                    break;
                case State.FinalLf:
                    _state = b == '\n' ? State.Done : State.Invalid;
                    i++;
                    break;
            }
        }

        return i;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
