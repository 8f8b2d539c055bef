namespace Osprey.Modules.Jsonrpcs;

/// <summary>
/// Finds where one JSON object ends in a byte stream (the FIFO carries requests back to back, each
/// possibly over several lines, as <c>kamctl</c> writes them). Brackets inside strings are skipped.
/// </summary>
internal static class JsonFrameScanner
{
    /// <summary>
    /// Returns the length of the first complete object (leading whitespace included), 0 when it is not
    /// complete yet, or -n when the first n bytes are not the start of an object (to be skipped: up to
    /// and including the next newline).
    /// </summary>
    public static int Scan(ReadOnlySpan<byte> data)
    {
        int i = 0;
        while (i < data.Length && data[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
            i++;
        if (i == data.Length)
            return 0;
        if (data[i] != (byte)'{')
        {
            int nl = data[i..].IndexOf((byte)'\n');
            return nl < 0 ? (data.Length == i ? 0 : -data.Length) : -(i + nl + 1);
        }
        int depth = 0;
        bool inString = false;
        for (; i < data.Length; i++)
        {
            byte b = data[i];
            if (inString)
            {
                if (b == (byte)'\\') i++;
                else if (b == (byte)'"') inString = false;
                continue;
            }
            switch (b)
            {
                case (byte)'"': inString = true; break;
                case (byte)'{' or (byte)'[': depth++; break;
                case (byte)'}' or (byte)']':
                    if (--depth == 0)
                        return i + 1;
                    break;
            }
        }
        return 0;
    }
}
