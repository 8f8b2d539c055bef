# data.sh: the benchmark's users (sourced by run.sh), made once and kept in $DATA_DIR.
#
#   users.csv          SIPp injection file: SEQUENTIAL, then "<n>;pw<n>" (user u<n>, password pw<n>)
#   subscriber.sqlite  the same users in Kamailio's subscriber table (version 7, plain passwords),
#                      read by both servers' auth_db in scenario register-auth

BENCH_USERS=100000

make_users() {
	mkdir -p "$DATA_DIR"
	local csv=$DATA_DIR/users.csv db=$DATA_DIR/subscriber.sqlite
	if [ -s "$csv" ] && [ -s "$db" ] && [ "$(wc -l < "$csv")" -eq $((BENCH_USERS + 1)) ]; then return 0; fi
	command -v sqlite3 > /dev/null || die "sqlite3 is needed to write the subscriber table (apt-get install sqlite3)"
	say "writing $BENCH_USERS users into $csv and $db"
	{ echo SEQUENTIAL; seq 0 $((BENCH_USERS - 1)) | awk '{ print $1 ";pw" $1 }'; } > "$csv.tmp" && mv "$csv.tmp" "$csv"
	rm -f "$db.tmp"
	{
		echo "BEGIN;"
		echo "CREATE TABLE version (id INTEGER PRIMARY KEY NOT NULL, table_name VARCHAR(32) NOT NULL, table_version INTEGER DEFAULT 0 NOT NULL, CONSTRAINT version_table_name_idx UNIQUE (table_name));"
		echo "INSERT INTO version (table_name, table_version) VALUES ('subscriber', 7);"
		echo "CREATE TABLE subscriber (id INTEGER PRIMARY KEY NOT NULL, username VARCHAR(64) DEFAULT '' NOT NULL, domain VARCHAR(64) DEFAULT '' NOT NULL, password VARCHAR(64) DEFAULT '' NOT NULL, ha1 VARCHAR(128) DEFAULT '' NOT NULL, ha1b VARCHAR(128) DEFAULT '' NOT NULL, CONSTRAINT subscriber_account_idx UNIQUE (username, domain));"
		echo "CREATE INDEX subscriber_username_idx ON subscriber (username);"
		seq 0 $((BENCH_USERS - 1)) | awk -v q="'" '{ print "INSERT INTO subscriber (username, domain, password) VALUES (" q "u" $1 q ", " q "127.0.0.1" q ", " q "pw" $1 q ");" }'
		echo "COMMIT;"
	} | sqlite3 "$db.tmp" || die "sqlite3 could not write $db"
	mv "$db.tmp" "$db"
}
