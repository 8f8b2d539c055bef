namespace Osprey.Sip.Digest;

/// <summary>One <c>name=value</c> of a credentials or challenge value.</summary>
public readonly ref struct AuthParam
{
    internal AuthParam(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, bool quoted, bool escaped)
    {
        Name = name;
        Value = value;
        IsQuoted = quoted;
        HasEscapes = escaped;
    }

    public ReadOnlySpan<byte> Name { get; }

    /// <summary>The value without its quotes; backslash escapes are still in place when <see cref="HasEscapes"/>.</summary>
    public ReadOnlySpan<byte> Value { get; }

    public bool IsQuoted { get; }

    public bool HasEscapes { get; }
}

/// <summary>
/// Reads the comma-separated <c>auth-param</c>s after the scheme (RFC 3261 §25.1, RFC 7235 §2.1):
/// LWS (including folded line ends) anywhere between elements, values are tokens or quoted
/// strings with backslash escapes, empty list elements are skipped. Never throws.
/// </summary>
public ref struct AuthParamReader
{
    private readonly ReadOnlySpan<byte> _source;
    private readonly int _base;
    private int _pos;

    /// <param name="parameters">The text after the scheme.</param>
    /// <param name="baseOffset">Offset of <paramref name="parameters"/> in the header value, for error offsets.</param>
    public AuthParamReader(ReadOnlySpan<byte> parameters, int baseOffset = 0)
    {
        _source = parameters;
        _base = baseOffset;
        _pos = 0;
        Error = default;
    }

    /// <summary>Set when <see cref="TryRead"/> returned false because of malformed input.</summary>
    public AuthError Error { get; private set; }

    /// <summary>Reads the next parameter. False at the end (Error.Code None) or on malformed input.</summary>
    public bool TryRead(out AuthParam param)
    {
        param = default;
        var s = _source;

        // Skip whitespace and empty list elements: RFC 7230 §7 #rule tolerance.
        while (_pos < s.Length && (IsLws(s[_pos]) || s[_pos] == (byte)','))
        {
            _pos++;
        }

        if (_pos >= s.Length)
        {
            return false;
        }

        int nameStart = _pos;
        while (_pos < s.Length && IsTokenChar(s[_pos]))
        {
            _pos++;
        }

        if (_pos == nameStart)
        {
            return Fail(AuthErrorCode.MalformedParameter, "expected a parameter name (a token)");
        }

        var name = s[nameStart.._pos];
        SkipLws();
        if (_pos >= s.Length || s[_pos] != (byte)'=')
        {
            return Fail(AuthErrorCode.MalformedParameter, "expected '=' after the parameter name");
        }

        _pos++;
        SkipLws();
        if (_pos >= s.Length)
        {
            return Fail(AuthErrorCode.MalformedParameter, "expected a value after '='");
        }

        ReadOnlySpan<byte> value;
        bool quoted = false, escaped = false;
        if (s[_pos] == (byte)'"')
        {
            // RFC 3261 §25.1 quoted-string: quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
            quoted = true;
            int start = ++_pos;
            while (true)
            {
                if (_pos >= s.Length)
                {
                    return Fail(AuthErrorCode.UnterminatedQuotedString, "a quoted value has no closing quote");
                }

                byte b = s[_pos];
                if (b == (byte)'\\')
                {
                    escaped = true;
                    _pos += 2;
                    continue;
                }

                if (b == (byte)'"')
                {
                    break;
                }

                _pos++;
            }

            value = s[start.._pos];
            _pos++;
        }
        else
        {
            int start = _pos;
            while (_pos < s.Length && IsTokenChar(s[_pos]))
            {
                _pos++;
            }

            if (_pos == start)
            {
                return Fail(AuthErrorCode.MalformedParameter, "a value must be a token or a quoted string");
            }

            value = s[start.._pos];
        }

        SkipLws();
        if (_pos < s.Length && s[_pos] != (byte)',')
        {
            return Fail(AuthErrorCode.MalformedParameter, "expected ',' between parameters");
        }

        param = new AuthParam(name, value, quoted, escaped);
        return true;
    }

    private bool Fail(AuthErrorCode code, string reason)
    {
        Error = new AuthError(code, _base + _pos, reason);
        _pos = _source.Length;
        return false;
    }

    private void SkipLws()
    {
        while (_pos < _source.Length && IsLws(_source[_pos]))
        {
            _pos++;
        }
    }

    internal static bool IsLws(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';

    /// <summary>RFC 3261 §25.1 token: alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~".</summary>
    internal static bool IsTokenChar(byte b)
        => char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'.' or (byte)'!' or (byte)'%' or (byte)'*'
            or (byte)'_' or (byte)'+' or (byte)'`' or (byte)'\'' or (byte)'~';

    /// <summary>Removes quoted-pair backslashes; returns the bytes written (never more than the input).</summary>
    public static int Unescape(ReadOnlySpan<byte> value, Span<byte> destination)
    {
        int w = 0;
        for (int i = 0; i < value.Length; i++)
        {
            byte b = value[i];
            if (b == (byte)'\\' && i + 1 < value.Length)
            {
                b = value[++i];
            }

            destination[w++] = b;
        }

        return w;
    }

    /// <summary>Splits the scheme token off a header value (leading LWS allowed).</summary>
    internal static bool TrySplitScheme(ReadOnlySpan<byte> value, out ReadOnlySpan<byte> scheme, out int paramsStart)
    {
        int p = 0;
        while (p < value.Length && IsLws(value[p]))
        {
            p++;
        }

        int start = p;
        while (p < value.Length && IsTokenChar(value[p]))
        {
            p++;
        }

        scheme = value[start..p];
        paramsStart = p;
        return p > start && (p == value.Length || IsLws(value[p]));
    }
}
