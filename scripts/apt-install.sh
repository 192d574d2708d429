# Sourced by the provisioning scripts: installs the Debian packages given, noninteractively,
# with no service started by a postinst (policy-rc.d: the prometheus package would start a
# server, docker.io a second rootful dockerd, on systemd hosts; the scripts start what the
# tests need themselves). The package lists are read once per provisioning run: the scripts
# provision.sh calls inherit DOCKER_AUDIT_APT_UPDATED and skip `apt-get update`.
# Uses the caller's log function.
install_debian_packages() {
  [ "$#" -gt 0 ] || return 0
  if [ "$(id -u)" -ne 0 ]; then
    log "missing $* and not root: install them or run as root"; exit 1
  fi
  log "installing Debian packages: $*"
  if [ -z "${DOCKER_AUDIT_APT_UPDATED:-}" ]; then
    apt-get update -qq
    export DOCKER_AUDIT_APT_UPDATED=1
  fi
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  NEEDRESTART_SUSPEND=1 DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  rm -f /usr/sbin/policy-rc.d
}
