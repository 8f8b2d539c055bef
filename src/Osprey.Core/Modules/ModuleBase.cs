using Osprey.Core.Pipeline;

namespace Osprey.Core.Modules;

/// <summary>
/// Base of every built-in module. The host creates the module, applies its <c>modparam</c>s, sets
/// <see cref="Server"/>, then calls <see cref="Init"/> once before traffic flows.
/// </summary>
public abstract class ModuleBase
{
    /// <summary>The server this module runs in; set before <see cref="Init"/>.</summary>
    public SipServer Server { get; set; } = null!;

    /// <summary>Checks parameters and prepares state. Returns an error message a user can act on, or null.</summary>
    public virtual string? Init() => null;

    /// <summary>Graceful shutdown: flush what must survive (write-back data, accounting).</summary>
    public virtual void Stop()
    {
    }
}
