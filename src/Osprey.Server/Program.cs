namespace Osprey.Server;

internal static class Program
{
    private static int Main(string[] args)
    {
        Console.WriteLine("osprey: not yet wired");
        return args.Length == 0 ? 0 : 0;
    }
}
