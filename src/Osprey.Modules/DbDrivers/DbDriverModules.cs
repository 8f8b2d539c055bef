using Osprey.Core.Modules;

namespace Osprey.Modules.DbDrivers;

// Kamailio loads a driver module per database (db_mysql.so, db_postgres.so, db_sqlite.so) before the
// modules that name a db_url. In Osprey the drivers are built into Osprey.Data and the db_url's scheme
// picks one, so these modules only make `loadmodule "db_mysql.so"` a known, silent no-op. Their
// tuning parameters (timeouts, pings, journal modes) concern the C drivers and are ignored with a warning.

/// <summary><c>db_mysql</c>: MariaDB and MySQL (<c>mysql://</c> URLs), built in.</summary>
[Module("db_mysql")]
public sealed class DbMysqlModule : ModuleBase
{
}

/// <summary><c>db_postgres</c>: PostgreSQL (<c>postgres://</c> URLs), built in.</summary>
[Module("db_postgres")]
public sealed class DbPostgresModule : ModuleBase
{
}

/// <summary><c>db_sqlite</c>: SQLite files (<c>sqlite:///path</c> URLs), built in.</summary>
[Module("db_sqlite")]
public sealed class DbSqliteModule : ModuleBase
{
}
