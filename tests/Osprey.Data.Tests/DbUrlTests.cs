namespace Osprey.Data.Tests;

public class DbUrlTests
{
    [Fact]
    public void Sqlite_url_takes_the_path_after_the_scheme()
    {
        Assert.True(DbUrl.TryParse("sqlite:///var/lib/osprey/osprey.db", out var u, out _));
        Assert.Equal(DbBackend.Sqlite, u.Backend);
        Assert.Contains("/var/lib/osprey/osprey.db", u.ConnectionString, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("postgres://kamailio:s3cr%40t@db.example.com:6432/kam", DbBackend.Postgres, "6432")]
    [InlineData("postgresql://kamailio:pw@127.0.0.1/kam", DbBackend.Postgres, "5432")]
    [InlineData("mysql://kamailio:pw@localhost/kamailio", DbBackend.MySql, "3306")]
    public void Server_urls_give_host_port_user_and_database(string url, DbBackend backend, string port)
    {
        Assert.True(DbUrl.TryParse(url, out var u, out var err), err);
        Assert.Equal(backend, u.Backend);
        Assert.Contains(port, u.ConnectionString, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr", u.Display, StringComparison.Ordinal);
        Assert.DoesNotContain(":pw@", u.Display, StringComparison.Ordinal);
        Assert.Contains("***", u.Display, StringComparison.Ordinal);
    }

    [Fact]
    public void Url_encoded_password_is_decoded()
    {
        Assert.True(DbUrl.TryParse("postgres://u:s3cr%40t@h/db", out var u, out _));
        Assert.Contains("s3cr@t", u.ConnectionString, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("localhost/kamailio", "no scheme")]
    [InlineData("oracle://u:p@h/db", "not supported")]
    [InlineData("mysql://u:secretpw@h", "no database name")]
    [InlineData("mysql://u:secretpw@h:99999/db", "bad port")]
    [InlineData("sqlite://", "no file path")]
    public void Bad_urls_say_why_without_the_password(string url, string why)
    {
        Assert.False(DbUrl.TryParse(url, out _, out var err));
        Assert.Contains(why, err, StringComparison.Ordinal);
        Assert.DoesNotContain("secretpw", err, StringComparison.Ordinal);
    }
}
