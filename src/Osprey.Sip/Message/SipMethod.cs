namespace Osprey.Sip.Message;

/// <summary>Methods Osprey knows by id. Method names are case-sensitive (RFC 3261 §7.1); anything else is
/// <see cref="Other"/> and keeps its text.</summary>
public enum SipMethod : byte
{
    Other = 0,
    Invite,
    Ack,
    Bye,
    Cancel,
    Register,
    Options,
    Info,
    Update,
    Prack,
    Subscribe,
    Notify,
    Publish,
    Message,
    Refer,
}

public static class SipMethods
{
    private static readonly string[] Names =
        ["", "INVITE", "ACK", "BYE", "CANCEL", "REGISTER", "OPTIONS", "INFO", "UPDATE", "PRACK", "SUBSCRIBE", "NOTIFY", "PUBLISH", "MESSAGE", "REFER"];

    public static string NameOf(SipMethod m) => Names[(int)m];

    /// <summary>Recognises a method by comparing the raw bytes; exact case (RFC 3261 §7.1).</summary>
    public static SipMethod Parse(ReadOnlySpan<byte> s)
    {
        switch (s.Length)
        {
            case 3:
                if (s.SequenceEqual("ACK"u8)) return SipMethod.Ack;
                if (s.SequenceEqual("BYE"u8)) return SipMethod.Bye;
                break;
            case 4:
                if (s.SequenceEqual("INFO"u8)) return SipMethod.Info;
                break;
            case 5:
                if (s.SequenceEqual("PRACK"u8)) return SipMethod.Prack;
                if (s.SequenceEqual("REFER"u8)) return SipMethod.Refer;
                break;
            case 6:
                if (s.SequenceEqual("INVITE"u8)) return SipMethod.Invite;
                if (s.SequenceEqual("CANCEL"u8)) return SipMethod.Cancel;
                if (s.SequenceEqual("UPDATE"u8)) return SipMethod.Update;
                if (s.SequenceEqual("NOTIFY"u8)) return SipMethod.Notify;
                break;
            case 7:
                if (s.SequenceEqual("OPTIONS"u8)) return SipMethod.Options;
                if (s.SequenceEqual("PUBLISH"u8)) return SipMethod.Publish;
                if (s.SequenceEqual("MESSAGE"u8)) return SipMethod.Message;
                break;
            case 8:
                if (s.SequenceEqual("REGISTER"u8)) return SipMethod.Register;
                break;
            case 9:
                if (s.SequenceEqual("SUBSCRIBE"u8)) return SipMethod.Subscribe;
                break;
        }
        return SipMethod.Other;
    }
}
