namespace Osprey.Ctl;

internal static class Program
{
    private static Task<int> Main(string[] args) => CtlApp.RunAsync(args);
}
