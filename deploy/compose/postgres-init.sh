#!/usr/bin/env bash
# Runs once, when the postgres container starts on an empty data volume (docker-entrypoint-initdb.d):
# one login role and one database per service, each database owned by its role and closed to the others.
# Passwords come from <NAME>_DB_PASSWORD (upper case), e.g. INVENTORY_DB_PASSWORD.
set -euo pipefail

for name in ${MERCADO_DATABASES:-inventory billing shipping}; do
    password_var="${name^^}_DB_PASSWORD"
    password="${!password_var:-}"
    if [[ -z "$password" ]]; then
        echo "postgres-init: $password_var is not set; refusing to create role $name without a password" >&2
        exit 1
    fi
    # psql variables quote the name (:"name") and the password (:'password') safely.
    psql --no-psqlrc --set ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres \
        --set name="$name" --set password="$password" <<'SQL'
CREATE ROLE :"name" LOGIN PASSWORD :'password';
CREATE DATABASE :"name" OWNER :"name";
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
SQL
    echo "postgres-init: created database and role $name"
done
