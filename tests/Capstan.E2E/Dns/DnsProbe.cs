using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Capstan.E2E.Dns;

/// <summary>A bare A query over UDP, so the tests need neither dig nor a DNS library.</summary>
internal static class DnsProbe
{
    public static async Task<(int Rcode, IReadOnlyList<IPAddress> Addresses)> QueryAsync(int port, string name)
    {
        using var udp = new UdpClient(AddressFamily.InterNetwork);
        udp.Connect(IPAddress.Loopback, port);
        var query = new List<byte> { 0xbe, 0xef, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
        foreach (var label in name.Split('.'))
        {
            query.Add((byte)label.Length);
            query.AddRange(Encoding.ASCII.GetBytes(label));
        }

        query.AddRange([0, 0, 1, 0, 1]);
        for (var attempt = 0; ; attempt++)
        {
            await udp.SendAsync(query.ToArray());
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                var reply = (await udp.ReceiveAsync(timeout.Token)).Buffer;
                return (reply[3] & 0xf, Addresses(reply));
            }
            catch (Exception ex) when (attempt < 4 && ex is OperationCanceledException or SocketException)
            {
                await Task.Delay(200);
            }
        }
    }

    private static List<IPAddress> Addresses(byte[] reply)
    {
        var answers = BinaryPrimitives.ReadUInt16BigEndian(reply.AsSpan(6));
        var position = SkipName(reply, 12) + 4;
        var addresses = new List<IPAddress>();
        for (var i = 0; i < answers; i++)
        {
            position = SkipName(reply, position);
            var type = BinaryPrimitives.ReadUInt16BigEndian(reply.AsSpan(position));
            var length = BinaryPrimitives.ReadUInt16BigEndian(reply.AsSpan(position + 8));
            if (type == 1 && length == 4)
            {
                addresses.Add(new IPAddress(reply.AsSpan(position + 10, 4)));
            }

            position += 10 + length;
        }

        return addresses;
    }

    private static int SkipName(byte[] message, int position)
    {
        while (true)
        {
            var label = message[position];
            if (label == 0)
            {
                return position + 1;
            }

            if ((label & 0xc0) == 0xc0)
            {
                return position + 2;
            }

            position += 1 + label;
        }
    }
}
