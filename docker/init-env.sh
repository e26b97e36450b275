#!/usr/bin/env sh
# Writes docker/.env with random secrets the first time (never overwrites one that exists): one device
# secret and one operator token for the whole cluster, and the passwords of Mosquitto's service account and
# dynamic-security administrator, MinIO and PostgreSQL. docker compose reads it for ${VAR} in compose.yml.
set -eu
cd "$(dirname "$0")"
if [ -f .env ]; then
  echo "docker/.env exists; keeping its secrets"
  exit 0
fi
secret() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
umask 077
cat > .env <<ENV
FLEET_DEVICE_SECRET=$(secret)
FLEET_ADMIN_TOKEN=$(secret)
FLEET_MQTT_PASSWORD=$(secret)
FLEET_MQTT_DYNSEC_PASSWORD=$(secret)
MINIO_ROOT_PASSWORD=$(secret)
POSTGRES_PASSWORD=$(secret)
ENV
echo "wrote docker/.env (the operator token is FLEET_ADMIN_TOKEN in it)"
