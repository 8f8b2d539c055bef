namespace Osprey.Script.Tests.Runtime;

/// <summary>kex's setdebug/resetdebug and corex's set_send_socket, through a compiled config.</summary>
public sealed class DebugAndSocketFunctionTests
{
    [Fact]
    public void Setdebug_raises_this_workers_level_until_resetdebug()
    {
        using var h = ScriptHarness.Ok("""
            debug=1
            loadmodule "kex"
            loadmodule "xlog"
            request_route {
                xlog("L_DBG", "before\n");
                setdebug(3);
                xlog("L_DBG", "during\n");
                resetdebug();
                xlog("L_DBG", "after\n");
                drop;
            }
            """);
        Assert.Equal(["during"], h.Run(ScriptHarness.Request()));
        Assert.Equal(["during"], h.Run(ScriptHarness.Request())); // the next message starts from the reset level
    }

    [Fact]
    public void Set_send_socket_picks_a_listener_and_fails_for_an_unknown_one()
    {
        using var h = ScriptHarness.Ok("""
            loadmodule "corex"
            loadmodule "xlog"
            request_route {
                if (set_send_socket("udp:127.0.0.1:5060")) { xlog("L_ERR", "found $fs\n"); }
                if (!set_send_socket("udp:192.0.2.99:5099")) { xlog("L_ERR", "missing\n"); }
                drop;
            }
            """);
        Assert.Equal(["found udp:127.0.0.1:5060", "missing"], h.Run(ScriptHarness.Request()));
    }
}
