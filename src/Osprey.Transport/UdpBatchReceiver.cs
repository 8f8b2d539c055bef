using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Osprey.Transport;

/// <summary>
/// Linux <c>recvmmsg(2)</c> for one UDP socket: up to <see cref="Capacity"/> datagrams per system call.
/// Under load datagrams arrive in bursts (a SIP UA or a load generator sends what its timer tick
/// collected), and one call that returns a burst saves the per-call kernel entry, socket lock and
/// wake-up of every datagram after the first. With MSG_WAITFORONE the call blocks only until the first
/// datagram, so a lone datagram is delivered as soon as a plain <c>recvfrom</c> would deliver it.
/// One receiver per receive loop, created and disposed by that loop; slot buffers are reused by the next <see cref="Receive"/>, so a
/// datagram's bytes are valid until then (the pipeline copies what it keeps, as it must for the
/// single-buffer loop).
/// </summary>
internal sealed unsafe partial class UdpBatchReceiver : IDisposable
{
    /// <summary>Every slot holds the largest UDP payload, so no datagram is ever truncated.</summary>
    public const int SlotSize = 64 * 1024;
    private const int SockaddrStorageSize = 128;
    private const int MsgWaitForOne = 0x10000;
    private const int Eintr = 4;
    private const int Eagain = 11;
    private const int Ebadf = 9;
    private const int Enotsock = 88;
    private const int ShutRd = 0;

    private readonly byte[] _buffers;
    private readonly MMsgHdr* _headers;
    private readonly IoVec* _iov;
    private readonly byte* _names;
    private readonly SafeHandle _handle;
    private readonly int _fd;
    private bool _released;

    public UdpBatchReceiver(Socket socket, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _handle = socket.SafeHandle;
        bool added = false;
        // held until Dispose: the descriptor cannot be closed (and its number reused) while a receive
        // loop may still be inside recvmmsg on it
        _handle.DangerousAddRef(ref added);
        _fd = (int)_handle.DangerousGetHandle();
        _buffers = GC.AllocateUninitializedArray<byte>(capacity * SlotSize, pinned: true);
        _headers = (MMsgHdr*)NativeMemory.AllocZeroed((nuint)(capacity * sizeof(MMsgHdr)));
        _iov = (IoVec*)NativeMemory.AllocZeroed((nuint)(capacity * sizeof(IoVec)));
        _names = (byte*)NativeMemory.AllocZeroed((nuint)(capacity * SockaddrStorageSize));
        byte* data = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_buffers));
        for (int i = 0; i < capacity; i++)
        {
            _iov[i].Base = data + ((long)i * SlotSize);
            _iov[i].Length = SlotSize;
            _headers[i].Header.Iov = &_iov[i];
            _headers[i].Header.IovLength = 1;
            _headers[i].Header.Name = _names + (i * SockaddrStorageSize);
        }
    }

    public int Capacity { get; }

    /// <summary>
    /// Blocks until at least one datagram is queued, then takes up to <see cref="Capacity"/>. Returns the
    /// count, 0 when the socket was shut down (see <see cref="ShutdownReceive"/>), or -1 with the error
    /// number in <paramref name="errno"/> (interrupted calls are retried here).
    /// </summary>
    public int Receive(out int errno)
    {
        for (int i = 0; i < Capacity; i++)
        {
            // the kernel writes each source address's real length back: reset it for this call
            _headers[i].Header.NameLength = SockaddrStorageSize;
            _headers[i].Header.Flags = 0;
        }

        while (true)
        {
            int n = RecvMMsg(_fd, _headers, (uint)Capacity, MsgWaitForOne, null);
            if (n >= 0)
            {
                errno = 0;
                return n;
            }

            errno = Marshal.GetLastPInvokeError();
            if (errno != Eintr && errno != Eagain)
                return -1;
        }
    }

    /// <summary>True for the errors of <see cref="Receive"/> after which the descriptor is no socket any more.</summary>
    public static bool IsSocketGone(int errno) => errno is Ebadf or Enotsock;

    /// <summary>The bytes of datagram <paramref name="i"/> of the last <see cref="Receive"/>.</summary>
    public Memory<byte> Datagram(int i) => _buffers.AsMemory(i * SlotSize, (int)_headers[i].Length);

    /// <summary>Copies datagram <paramref name="i"/>'s source address into <paramref name="into"/> (native sockaddr form, as .NET keeps it).</summary>
    public void SourceAddress(int i, SocketAddress into)
    {
        int length = (int)_headers[i].Header.NameLength;
        new ReadOnlySpan<byte>(_names + (i * SockaddrStorageSize), length).CopyTo(into.Buffer.Span);
        into.Size = length;
    }

    /// <summary>Wakes a loop blocked in <see cref="Receive"/> on <paramref name="socket"/> (not yet
    /// disposed): further receives return 0. Linux performs the shutdown on an unconnected UDP socket
    /// too, though it reports ENOTCONN.</summary>
    public static void ShutdownReceive(Socket socket) => _ = Shutdown((int)socket.SafeHandle.DangerousGetHandle(), ShutRd);

    public void Dispose()
    {
        if (_released)
            return;
        _released = true;
        NativeMemory.Free(_headers);
        NativeMemory.Free(_iov);
        NativeMemory.Free(_names);
        _handle.DangerousRelease();
    }

    [LibraryImport("libc", EntryPoint = "recvmmsg", SetLastError = true)]
    private static partial int RecvMMsg(int fd, MMsgHdr* messages, uint count, int flags, void* timeout);

    [LibraryImport("libc", EntryPoint = "shutdown", SetLastError = true)]
    private static partial int Shutdown(int fd, int how);

    // struct iovec, struct msghdr and struct mmsghdr of the Linux 64-bit ABI
    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public byte* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }
}
