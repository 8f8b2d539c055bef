using Osprey.Script.Syntax;

namespace Osprey.Script.Tests;

public sealed class PvTests
{
    [Theory]
    [InlineData("$rU", "rU", null)]
    [InlineData("$var(x)", "var", "x")]
    [InlineData("$avp(i:1)", "avp", "i:1")]
    [InlineData("$avp(s:x)", "avp", "s:x")]
    [InlineData("$xavp(a=>b)", "xavp", "a=>b")]
    [InlineData("$sht(t=>$ci)", "sht", "t=>$ci")]
    public void Name_and_inner(string text, string name, string? inner)
    {
        var pv = PvParser.Parse(text, out var error);
        Assert.Null(error);
        Assert.Equal(name, pv!.Name);
        Assert.Equal(inner, pv.Inner);
    }

    [Fact]
    public void Index_forms()
    {
        Assert.Equal(2, PvParser.Parse("$hdr(Via)[2]", out _)!.Index!.Number);
        Assert.Equal(-1, PvParser.Parse("$(hdr(Via)[-1])", out _)!.Index!.Number);
        Assert.True(PvParser.Parse("$(avp(x)[*])", out _)!.Index!.All);
        Assert.Equal("i", PvParser.Parse("$(avp(x)[$var(i)])", out _)!.Index!.Pv!.Inner);
    }

    [Fact]
    public void Transformations_are_parsed_into_class_name_and_arguments()
    {
        var pv = PvParser.Parse("$(ru{s.substr,1,$var(n)}{uri.host}{re.subst,/a\\,b/c/})", out var error);
        Assert.Null(error);
        var t = pv!.Transformations;
        Assert.Equal(3, t.Count);
        Assert.Equal(("s", "substr"), (t[0].Class, t[0].Name));
        Assert.Equal("1", t[0].Arguments[0].Literal);
        Assert.Equal("var", t[0].Arguments[1].Pv!.Name);
        Assert.Equal(("uri", "host", 0), (t[1].Class, t[1].Name, t[1].Arguments.Count));
        Assert.Equal("/a,b/c/", t[2].Arguments.Single().Literal);
    }

    [Theory]
    [InlineData("$(ru{s.len}", "expected ')' to close pseudo-variable '$(ru{s.len}'")]
    [InlineData("$(ru{nodot})", "invalid transformation '{nodot}': expected {class.name[,arguments]}")]
    [InlineData("$hdr(X)[abc]", "invalid index '[abc]' in pseudo-variable '$hdr'")]
    public void Bad_forms_explain_themselves(string text, string message)
    {
        Assert.Null(PvParser.Parse(text, out var error));
        Assert.Equal(message, error);
    }

    [Fact]
    public void Format_strings_split_into_literals_and_pvs()
    {
        var parts = PvParser.ParseFormat("sip:$rU@$(fd{s.tolower}) costs $$5", out var error)!;
        Assert.Null(error);
        Assert.Equal(["sip:", "$rU", "@", "$(fd{s.tolower})", " costs $5"], parts.Select(p => p.Literal ?? p.Pv!.Text));
    }
}
