#!/bin/sh
# Runs once, when PostgreSQL initialises an empty data volume (docker-entrypoint-initdb.d); never again.
# Creates Korgon's two roles and its database. "korgon" owns the database and runs the migrations (the compose
# service `migrate`); the server and the worker connect as "korgon_app", which owns nothing: it may only
# append to and read the audit log, so it can neither rewrite it nor disable its triggers (docs/deploy.md
# "Least privilege"). Neither is a superuser: SQL run as Korgon cannot read the server's files or run programs
# (COPY ... PROGRAM). The passwords come from KORGON_DB_PASSWORD and KORGON_APP_DB_PASSWORD in infra/.env;
# the migrator grants korgon_app its privileges.
# The entrypoint may source this file instead of running it, so it neither exits nor sets -u.
set -e

if [ -z "${KORGON_DB_PASSWORD:-}" ] || [ -z "${KORGON_APP_DB_PASSWORD:-}" ]; then
  echo "KORGON_DB_PASSWORD or KORGON_APP_DB_PASSWORD is not set: write them in infra/.env (see infra/env.example)" >&2
  false
fi

psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  --set=korgon_password="$KORGON_DB_PASSWORD" --set=korgon_app_password="$KORGON_APP_DB_PASSWORD" <<'SQL'
CREATE ROLE korgon LOGIN PASSWORD :'korgon_password';
CREATE ROLE korgon_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'korgon_app_password';
CREATE DATABASE korgon OWNER korgon;
REVOKE ALL ON DATABASE korgon FROM PUBLIC;
SQL
