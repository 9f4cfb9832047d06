#!/bin/sh
# Runs once, when PostgreSQL initialises an empty data volume (docker-entrypoint-initdb.d); never again.
# Creates the role Korgon connects as and its database. The role owns the database, so the server can run
# its migrations, but it is not a superuser: SQL run as Korgon cannot read the server's files or run
# programs (COPY ... PROGRAM). The password comes from KORGON_DB_PASSWORD in infra/.env.
# The entrypoint may source this file instead of running it, so it neither exits nor sets -u.
set -e

if [ -z "${KORGON_DB_PASSWORD:-}" ]; then
  echo "KORGON_DB_PASSWORD is not set: write it in infra/.env (see infra/env.example)" >&2
  false
fi

psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  --set=korgon_password="$KORGON_DB_PASSWORD" <<'SQL'
CREATE ROLE korgon LOGIN PASSWORD :'korgon_password';
CREATE DATABASE korgon OWNER korgon;
REVOKE ALL ON DATABASE korgon FROM PUBLIC;
SQL
