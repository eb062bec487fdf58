using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Capstan.Network.Proxy;

/// <summary>
/// The few rtnetlink requests the service address binder needs (create and raise a link, add, remove and list IPv4
/// addresses), each a message on one NETLINK_ROUTE socket answered with an ACK: tens of microseconds, where an `ip`
/// process per address would cost milliseconds at 1,000 services.
/// </summary>
internal sealed partial class NetlinkRoute : IDisposable
{
    private const int AfNetlink = 16;
    private const int SockRaw = 3;
    private const int SockCloexec = 0x80000;
    private const int NetlinkRouteProtocol = 0;

    private const ushort NlmsgError = 2;
    private const ushort NlmsgDone = 3;
    private const ushort RtmNewLink = 16;
    private const ushort RtmNewAddr = 20;
    private const ushort RtmDelAddr = 21;
    private const ushort RtmGetAddr = 22;

    private const ushort NlmFRequest = 0x1;
    private const ushort NlmFAck = 0x4;
    private const ushort NlmFExcl = 0x200;
    private const ushort NlmFCreate = 0x400;
    private const ushort NlmFDump = 0x300;

    private const ushort IflaIfname = 3;
    private const ushort IflaLinkinfo = 18;
    private const ushort IflaInfoKind = 1;
    private const ushort IfaAddress = 1;
    private const ushort IfaLocal = 2;
    private const uint IffUp = 1;

    private readonly Lock _lock = new();
    private readonly int _fd;
    private readonly byte[] _receive = new byte[64 * 1024];
    private uint _sequence;

    public NetlinkRoute()
    {
        _fd = Socket(AfNetlink, SockRaw | SockCloexec, NetlinkRouteProtocol);
        if (_fd < 0)
        {
            throw new SocketException(Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>The interface's index, or 0 when there is none.</summary>
    public static int IndexOf(string name) => (int)IfNameToIndex(name);

    /// <summary>Creates a link of <paramref name="kind"/> ("dummy", "bridge"); false when one of that name exists already.</summary>
    /// <exception cref="NetlinkException">Refused, e.g. EOPNOTSUPP for a kind this kernel lacks.</exception>
    public bool CreateLink(string name, string kind)
    {
        var message = new MessageWriter(RtmNewLink, NlmFRequest | NlmFAck | NlmFCreate | NlmFExcl, NextSequence());
        message.IfInfo(0, 0, 0);
        message.Attribute(IflaIfname, NullTerminated(name));
        var linkInfo = message.BeginNested(IflaLinkinfo);
        message.Attribute(IflaInfoKind, Encoding.ASCII.GetBytes(kind));
        message.EndNested(linkInfo);
        var error = Request(message);
        if (error == -17)
        {
            return false;
        }

        ThrowOnError(error, $"create link {name} type {kind}");
        return true;
    }

    /// <summary>Sets IFF_UP on the link.</summary>
    public void SetUp(int index)
    {
        var message = new MessageWriter(RtmNewLink, NlmFRequest | NlmFAck, NextSequence());
        message.IfInfo(index, IffUp, IffUp);
        ThrowOnError(Request(message), $"set link {index} up");
    }

    /// <summary>Adds address/32; false when it was there already.</summary>
    public bool AddAddress(int index, IPAddress address)
    {
        var error = Request(AddressMessage(RtmNewAddr, NlmFRequest | NlmFAck | NlmFCreate | NlmFExcl, index, address, NextSequence()));
        if (error == -17)
        {
            return false;
        }

        ThrowOnError(error, $"add address {address} to link {index}");
        return true;
    }

    /// <summary>Removes address/32; false when it was not there.</summary>
    public bool DeleteAddress(int index, IPAddress address)
    {
        var error = Request(AddressMessage(RtmDelAddr, NlmFRequest | NlmFAck, index, address, NextSequence()));
        if (error is -99 or -19)
        {
            // EADDRNOTAVAIL: not there; ENODEV: the link went.
            return false;
        }

        ThrowOnError(error, $"delete address {address} from link {index}");
        return true;
    }

    /// <summary>The IPv4 addresses on the link.</summary>
    public List<IPAddress> ListAddresses(int index)
    {
        var message = new MessageWriter(RtmGetAddr, NlmFRequest | NlmFDump, NextSequence());
        message.IfAddr(index, 0);
        var found = new List<IPAddress>();
        lock (_lock)
        {
            SendLocked(message);
            while (true)
            {
                var length = ReceiveLocked();
                var offset = 0;
                while (offset + 16 <= length)
                {
                    var span = _receive.AsSpan(offset, length - offset);
                    var messageLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(span);
                    var type = BinaryPrimitives.ReadUInt16LittleEndian(span[4..]);
                    if (messageLength < 16 || messageLength > span.Length)
                    {
                        return found;
                    }

                    if (type == NlmsgDone)
                    {
                        return found;
                    }

                    if (type == NlmsgError)
                    {
                        ThrowOnError(BinaryPrimitives.ReadInt32LittleEndian(span[16..]), "list addresses");
                        return found;
                    }

                    // ifaddrmsg: family, prefixlen, flags, scope, index (u32).
                    var body = span[16..messageLength];
                    if (body.Length >= 8 && body[0] == (byte)AddressFamily.InterNetwork && BinaryPrimitives.ReadInt32LittleEndian(body[4..]) == index)
                    {
                        var attributes = body[8..];
                        IPAddress? local = null;
                        IPAddress? address = null;
                        while (attributes.Length >= 4)
                        {
                            var attributeLength = BinaryPrimitives.ReadUInt16LittleEndian(attributes);
                            var attributeType = BinaryPrimitives.ReadUInt16LittleEndian(attributes[2..]);
                            if (attributeLength < 4 || attributeLength > attributes.Length)
                            {
                                break;
                            }

                            if (attributeLength == 8 && attributeType is IfaLocal or IfaAddress)
                            {
                                var value = new IPAddress(attributes[4..8]);
                                if (attributeType == IfaLocal)
                                {
                                    local = value;
                                }
                                else
                                {
                                    address = value;
                                }
                            }

                            attributes = attributes[Math.Min(attributes.Length, Align(attributeLength))..];
                        }

                        if ((local ?? address) is { } ip)
                        {
                            found.Add(ip);
                        }
                    }

                    offset += Align(messageLength);
                }
            }
        }
    }

    public void Dispose() => Close(_fd);

    private static MessageWriter AddressMessage(ushort type, ushort flags, int index, IPAddress address, uint sequence)
    {
        var message = new MessageWriter(type, flags, sequence);
        message.IfAddr(index, 32);
        var bytes = address.GetAddressBytes();
        message.Attribute(IfaLocal, bytes);
        message.Attribute(IfaAddress, bytes);
        return message;
    }

    private uint NextSequence() => Interlocked.Increment(ref _sequence);

    // Sends a request carrying NLM_F_ACK and returns the kernel's answer: 0 or a negative errno.
    private int Request(MessageWriter message)
    {
        lock (_lock)
        {
            SendLocked(message);
            while (true)
            {
                var length = ReceiveLocked();
                var offset = 0;
                while (offset + 16 <= length)
                {
                    var span = _receive.AsSpan(offset, length - offset);
                    var messageLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(span);
                    var type = BinaryPrimitives.ReadUInt16LittleEndian(span[4..]);
                    var sequence = BinaryPrimitives.ReadUInt32LittleEndian(span[8..]);
                    if (messageLength < 16)
                    {
                        break;
                    }

                    if (type == NlmsgError && sequence == message.Sequence)
                    {
                        return BinaryPrimitives.ReadInt32LittleEndian(span[16..]);
                    }

                    offset += Align(messageLength);
                }
            }
        }
    }

    private void SendLocked(MessageWriter message)
    {
        var bytes = message.ToArray();
        unsafe
        {
            fixed (byte* p = bytes)
            {
                if (Send(_fd, p, bytes.Length, 0) < 0)
                {
                    throw new SocketException(Marshal.GetLastPInvokeError());
                }
            }
        }
    }

    private int ReceiveLocked()
    {
        unsafe
        {
            fixed (byte* p = _receive)
            {
                while (true)
                {
                    var n = Recv(_fd, p, _receive.Length, 0);
                    if (n >= 0)
                    {
                        return (int)n;
                    }

                    var errno = Marshal.GetLastPInvokeError();
                    if (errno != 4)
                    {
                        throw new SocketException(errno);
                    }
                }
            }
        }
    }

    private static void ThrowOnError(int error, string what)
    {
        if (error != 0)
        {
            throw new NetlinkException(-error, what);
        }
    }

    private static byte[] NullTerminated(string value) => Encoding.ASCII.GetBytes(value + "\0");

    private static int Align(int length) => (length + 3) & ~3;

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    private static unsafe partial nint Send(int fd, byte* buffer, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static unsafe partial nint Recv(int fd, byte* buffer, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "if_nametoindex", StringMarshalling = StringMarshalling.Utf8)]
    private static partial uint IfNameToIndex(string name);

    // An nlmsghdr followed by a fixed header and rtattrs, little-endian as the host (Linux on x86-64 and arm64).
    private sealed class MessageWriter
    {
        private readonly List<byte> _bytes = new(64);

        public MessageWriter(ushort type, ushort flags, uint sequence)
        {
            Sequence = sequence;
            Put32(0);
            Put16(type);
            Put16(flags);
            Put32(sequence);
            Put32(0);
        }

        public uint Sequence { get; }

        public void IfInfo(int index, uint flags, uint change)
        {
            _bytes.Add(0);
            _bytes.Add(0);
            Put16(0);
            Put32((uint)index);
            Put32(flags);
            Put32(change);
        }

        public void IfAddr(int index, byte prefixLength)
        {
            _bytes.Add((byte)AddressFamily.InterNetwork);
            _bytes.Add(prefixLength);
            _bytes.Add(0);
            _bytes.Add(0);
            Put32((uint)index);
        }

        public void Attribute(ushort type, ReadOnlySpan<byte> value)
        {
            Put16((ushort)(4 + value.Length));
            Put16(type);
            foreach (var b in value)
            {
                _bytes.Add(b);
            }

            Pad();
        }

        public int BeginNested(ushort type)
        {
            var start = _bytes.Count;
            Put16(0);
            Put16(type);
            return start;
        }

        public void EndNested(int start) => Set16(start, (ushort)(_bytes.Count - start));

        public byte[] ToArray()
        {
            var bytes = _bytes.ToArray();
            BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)bytes.Length);
            return bytes;
        }

        private void Pad()
        {
            while (_bytes.Count % 4 != 0)
            {
                _bytes.Add(0);
            }
        }

        private void Put16(ushort value)
        {
            _bytes.Add((byte)value);
            _bytes.Add((byte)(value >> 8));
        }

        private void Put32(uint value)
        {
            Put16((ushort)value);
            Put16((ushort)(value >> 16));
        }

        private void Set16(int at, ushort value)
        {
            _bytes[at] = (byte)value;
            _bytes[at + 1] = (byte)(value >> 8);
        }
    }
}
