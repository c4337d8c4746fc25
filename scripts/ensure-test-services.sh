#!/usr/bin/env bash
# Makes sure everything the test suite talks to is installed and running on this machine:
# Radicale, Xandikos, Cyrus IMAP (CalDAV) and DAViCal (real CalDAV servers, each started per test as a
# private instance on loopback), PostgreSQL and Redis (tests create their own database / key prefix).
# Installs from Debian when missing (needs root). The packages' own services (cyrus-imapd, Apache for
# DAViCal, exim) are never started: a policy-rc.d answering 101 is in place while apt installs.
set -euo pipefail

log() { printf 'test-services: %s\n' "$*"; }

apt_updated=0
apt_install() {
  if [ "$(id -u)" != 0 ]; then
    log "missing $*; install them (apt-get install -y $*) or run as root"; exit 1
  fi
  if [ "$apt_updated" = 0 ]; then apt-get update -qq >/dev/null; apt_updated=1; fi
  log "installing $*"
  local policy=/usr/sbin/policy-rc.d own_policy=0
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod 755 "$policy"; own_policy=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null || { [ "$own_policy" = 0 ] || rm -f "$policy"; exit 1; }
  [ "$own_policy" = 0 ] || rm -f "$policy"
}

need=()
command -v radicale >/dev/null 2>&1 || need+=(radicale)
command -v xandikos >/dev/null 2>&1 || need+=(xandikos)
[ -x /usr/lib/cyrus/bin/master ] || need+=(cyrus-imapd)            # test/support/cyrus.ts
[ -x /usr/lib/cyrus/bin/httpd ] || need+=(cyrus-caldav)
command -v saslpasswd2 >/dev/null 2>&1 || need+=(sasl2-bin)
[ -f /usr/share/davical/dba/create-database.sh ] || need+=(davical)  # test/support/davical.ts
command -v php >/dev/null 2>&1 || need+=(php-cli)
php -m 2>/dev/null | grep -x pgsql >/dev/null || need+=(php-pgsql)
command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v pg_isready >/dev/null 2>&1 || need+=(postgresql-client)
[ -x /usr/bin/chromium ] || need+=(chromium)     # browser tests (playwright-core drives Debian's build)
[ ${#need[@]} -eq 0 ] || apt_install "${need[@]}"

pg_host=127.0.0.1
if ! pg_isready -q -h "$pg_host" -p 5432; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  hba="/etc/postgresql/$version/main/pg_hba.conf"
  # A freshly installed cluster asks for passwords on TCP; the tests use the local trust setup the
  # development machines have.
  if ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
    sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  fi
  log "starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
  for _ in $(seq 1 30); do pg_isready -q -h "$pg_host" -p 5432 && break; sleep 1; done
fi
pg_isready -q -h "$pg_host" -p 5432 || { log "PostgreSQL is not reachable on $pg_host:5432"; exit 1; }

if ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
  log "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 30); do (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null && break; sleep 0.5; done
fi
(exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null || { log "Redis is not reachable on 127.0.0.1:6379"; exit 1; }
log "ready (radicale, xandikos, cyrus, davical, chromium, postgresql, redis)"
