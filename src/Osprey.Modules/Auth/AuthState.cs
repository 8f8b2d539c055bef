using System.Runtime.CompilerServices;
using Osprey.Core.Pipeline;
using Osprey.Sip.Message;

namespace Osprey.Modules.Auth;

/// <summary>What authentication learned about the message a context holds: whether its nonce was stale
/// (the next challenge says stale=true), which credentials header was authorized (consume_credentials),
/// and the columns load_credentials fetched. Dropped when the context moves to another message.</summary>
internal sealed class AuthState
{
    private static readonly ConditionalWeakTable<MessageContext, AuthState> s_states = new();

    private long _owner; // the message's Serial
    public bool Stale;
    public int AuthorizedHeader = -1;

    /// <summary>Where $au (the username up to '@') lies in the value of <see cref="AuthorizedHeader"/>.</summary>
    public int AuthUserStart, AuthUserLength;
    public Dictionary<string, string?>? Loaded;

    public static AuthState Of(MessageContext ctx)
    {
        var s = s_states.GetOrCreateValue(ctx);
        if (s._owner != ctx.Message.Serial)
        {
            s._owner = ctx.Message.Serial;
            s.Stale = false;
            s.AuthorizedHeader = -1;
            s.Loaded?.Clear();
        }
        return s;
    }
}

/// <summary>Where auth_db (or another credentials module) finds the secret of a user.</summary>
public interface ICredentialSource
{
    /// <summary>
    /// Looks up a user (UTF-8, unescaped) and writes its secret, UTF-8, into <paramref name="secret"/>: the
    /// plain password when <paramref name="isHa1"/> is false, else a stored HA1 (hex). False when there is no
    /// such user; <paramref name="secretLength"/> -1 when the lookup failed or the secret does not fit.
    /// </summary>
    bool TryGet(ReadOnlySpan<byte> username, string realm, Span<byte> secret, out int secretLength, out bool isHa1);
}
