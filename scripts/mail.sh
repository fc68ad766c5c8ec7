#!/usr/bin/env bash
# Real mail servers for the tests: Debian's Postfix + Dovecot on 127.0.0.1, no systemd.
#
#   scripts/mail.sh start    install when missing, configure, start (idempotent; a no-op when up)
#   scripts/mail.sh stop     stop Postfix and this Dovecot instance
#   scripts/mail.sh reset    empty every mailbox (and Postfix's queue) without restarting
#   scripts/mail.sh status   what runs, where; exit 1 when a port does not answer
#
# Layout: Postfix SMTP 127.0.0.1:2525 → LMTP 127.0.0.1:2424 → Dovecot → Maildir → IMAP
# 127.0.0.1:1143 (plain login allowed). Local domains lossless.test and customer.test;
# everything else is bounced by `default_transport = error:…`, so nothing leaves the machine.
# TLS, with a private CA generated once under the state dir (tls/ca.pem; the server
# certificate tls/server.pem is for `localhost` and IP 127.0.0.1):
#   IMAP STARTTLS on 1143 and implicit TLS (imaps) on 127.0.0.1:1993;
#   SMTP STARTTLS offered on 2525 (`may`: plain clients keep working) and implicit TLS
#   (smtps, wrapper mode) on 127.0.0.1:2465.
# Users (password = user + "-pw", e.g. support@lossless.test / support-pw):
#   support@lossless.test  sales@lossless.test  customer@customer.test  other@customer.test
#   bulk@lossless.test (the kill -9 fault test's 2,000 mails)  bench@lossless.test (`make bench`)
#   tls@lossless.test (the TLS tests' own mailbox)
# The bulk users keep thousands of mails away from the mailboxes the other tests poll.
#
# Postfix is the system instance (/etc/postfix, queue /var/spool/postfix), reconfigured with
# postconf; Dovecot runs from its own config file under the state dir, so it never clashes
# with a system Dovecot. State dir: $LOSSLESS_MAIL_DIR (default: /var/tmp/lossless-mail, shared by all checkouts) holding
# dovecot.conf, users, maildir/<domain>/<user>/, run/, dovecot.log, postfix.log, tls/.
# `start` prints "mail servers up: smtp 127.0.0.1:2525 imap 127.0.0.1:1143" as its LAST line
# of stdout; everything else goes to stderr.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

# postfix, postconf, dovecot live in /usr/sbin (not on a normal user's PATH).
PATH="$PATH:/usr/sbin:/sbin"
MAIL_HOST=127.0.0.1
SMTP_PORT=2525
IMAP_PORT=1143
LMTP_PORT=2424
IMAPS_PORT=1993
SMTPS_PORT=2465
DOMAINS=(lossless.test customer.test)
USERS=(support@lossless.test sales@lossless.test customer@customer.test other@customer.test
    bulk@lossless.test bench@lossless.test tls@lossless.test)
VMAIL_USER=vmail

# One state dir for every checkout on the machine (work tree, CI clones): they share one
# running pair of servers instead of fighting over the ports; tests tag their own mails.
STATE=${LOSSLESS_MAIL_DIR:-/var/tmp/lossless-mail}
[[ "$STATE" = /* ]] || STATE="$ROOT/$STATE"
DOVECOT_CONF="$STATE/dovecot.conf"
USERS_FILE="$STATE/users"
MAILDIRS="$STATE/maildir"
RUN_DIR="$STATE/run"
TLS_DIR="$STATE/tls"

port_open() { (exec 3<>"/dev/tcp/$MAIL_HOST/$1") 2>/dev/null; }

wait_ports() {
    local deadline=$((SECONDS + 30)) p
    for p in "$@"; do
        until port_open "$p"; do
            ((SECONDS < deadline)) || return 1
            sleep 0.2
        done
    done
}

# ---- install -------------------------------------------------------------
have_packages() {
    command -v postfix >/dev/null 2>&1 && command -v dovecot >/dev/null 2>&1 &&
        [[ -x /usr/lib/dovecot/imap && -x /usr/lib/dovecot/lmtp ]]
}

install_packages() {
    local t0=$SECONDS pkgs=(postfix dovecot-imapd dovecot-lmtpd) made_policy=0
    log "installing ${pkgs[*]} (about 40 s)"
    as_root debconf-set-selections <<'EOF'
postfix postfix/main_mailer_type select Local only
postfix postfix/mailname string lossless.test
EOF
    # The packages' maintainer scripts must not start the system daemons (port 25, 143/993 on
    # every interface): forbid it for the install when the machine has no policy-rc.d of its own.
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
        as_root chmod 755 /usr/sbin/policy-rc.d
        made_policy=1
    fi
    local rc=0
    # Output to stderr, stdin from /dev/null; never let a daemon inherit the caller's stdout.
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        "${pkgs[@]}" </dev/null >&2 || rc=$?
    if ((rc != 0)); then
        log "apt-get install failed (exit $rc): apt-get update and retry"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null >&2
        rc=0
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
            "${pkgs[@]}" </dev/null >&2 || rc=$?
    fi
    ((made_policy)) && as_root rm -f /usr/sbin/policy-rc.d
    ((rc == 0)) || die "apt-get install ${pkgs[*]} failed"
    have_packages || die "installed ${pkgs[*]} but postfix/dovecot are still missing"
    log "installed in $((SECONDS - t0))s"
}

ensure_vmail_user() {
    if ! id -u "$VMAIL_USER" >/dev/null 2>&1; then
        log "creating system user $VMAIL_USER"
        as_root useradd --system --user-group --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin "$VMAIL_USER"
    fi
}

# ---- TLS: a private CA and the servers' certificate ------------------------
# Made once (and again when the server certificate is within 30 days of expiry):
#   tls/ca.pem, tls/ca.key          the test CA (clients trust ca.pem: Lossless's tls_ca_file)
#   tls/server.pem, tls/server.key  for DNS:localhost and IP:127.0.0.1, signed by the CA
# Returns 0 when it made new ones (the servers must then re-read them).
ensure_certs() {
    if [[ -s "$TLS_DIR/ca.pem" && -s "$TLS_DIR/server.key" && -s "$TLS_DIR/server.pem" ]] &&
        openssl x509 -checkend $((30 * 86400)) -noout -in "$TLS_DIR/server.pem" >/dev/null 2>&1; then
        return 1
    fi
    command -v openssl >/dev/null 2>&1 || die "openssl is needed to make the test certificates"
    log "tls: making a test CA and a server certificate for localhost / 127.0.0.1 in $TLS_DIR"
    mkdir -p "$TLS_DIR"
    local tmp
    tmp=$(mktemp -d "$TLS_DIR/new.XXXXXX")
    cat >"$tmp/openssl.cnf" <<'CNF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = Lossless test CA
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
    (
        set -e
        cd "$tmp"
        umask 077
        openssl req -x509 -config openssl.cnf -extensions ca -newkey ec \
            -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.pem \
            -days 3650 -subj "/CN=Lossless test CA"
        openssl req -new -config openssl.cnf -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
            -nodes -keyout server.key -out server.csr -subj "/CN=localhost"
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key \
            -set_serial "0x$(openssl rand -hex 8)" -days 825 \
            -extfile openssl.cnf -extensions server -out server.pem
        chmod 644 ca.pem server.pem
    ) </dev/null >/dev/null 2>"$tmp/openssl.log" || {
        cat "$tmp/openssl.log" >&2
        die "openssl could not make the test certificates (in $tmp)"
    }
    local f
    for f in ca.key ca.pem server.key server.pem; do
        mv -f "$tmp/$f" "$TLS_DIR/$f"
    done
    rm -rf "$tmp"
    return 0
}

# ---- Dovecot -------------------------------------------------------------
dovecot_pid() {
    local pid
    pid=$(cat "$RUN_DIR/master.pid" 2>/dev/null) || return 1
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && printf '%s\n' "$pid"
}

as_vmail() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u "$VMAIL_USER" -- "$@"
    else
        sudo -u "$VMAIL_USER" "$@"
    fi
}

# Writes $2 to file $1 (mode $3) only when the content differs; returns 0 when it changed.
write_if_changed() {
    local file=$1 content=$2 mode=$3
    if [[ -f "$file" ]] && [[ "$(cat "$file")" == "$content" ]]; then
        return 1
    fi
    printf '%s\n' "$content" >"$file.tmp"
    chmod "$mode" "$file.tmp"
    mv -f "$file.tmp" "$file"
}

configure_dovecot() {
    local uid gid u users="" conf changed=1
    uid=$(id -u "$VMAIL_USER")
    gid=$(id -g "$VMAIL_USER")
    mkdir -p "$STATE" "$MAILDIRS"
    as_root chown "$VMAIL_USER:$VMAIL_USER" "$MAILDIRS"
    for u in "${USERS[@]}"; do
        users+="$u:{PLAIN}${u%@*}-pw::::::"$'\n'
    done
    write_if_changed "$USERS_FILE" "${users%$'\n'}" 0644 || true

    conf=$(
        cat <<EOF
# Generated by scripts/mail.sh; run with: dovecot -c $DOVECOT_CONF
protocols = imap lmtp
listen = $MAIL_HOST
base_dir = $RUN_DIR
instance_name = lossless-dovecot
state_dir = $STATE/state
log_path = $STATE/dovecot.log
info_log_path = $STATE/dovecot.log
# TLS on the imaps listener and STARTTLS on the plain one; LOGIN without TLS stays allowed
# (the tests' plain IMAP; 127.0.0.1 counts as secure anyway).
ssl = yes
ssl_cert = <$TLS_DIR/server.pem
ssl_key = <$TLS_DIR/server.key
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:$MAILDIRS/%d/%n
mail_uid = $uid
mail_gid = $gid
first_valid_uid = $uid
last_valid_uid = $uid
first_valid_gid = $gid
last_valid_gid = $gid
mailbox_idle_check_interval = 1 secs
# Test mailboxes need no durability across a power cut; without fsync an APPEND or an LMTP
# delivery costs no disk flushes (the fault test and make bench put thousands of mails in).
mail_fsync = never
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $USERS_FILE
}
userdb {
  driver = static
  args = uid=$uid gid=$gid home=$MAILDIRS/%d/%n
}
service imap-login {
  inet_listener imap {
    address = $MAIL_HOST
    port = $IMAP_PORT
  }
  inet_listener imaps {
    address = $MAIL_HOST
    port = $IMAPS_PORT
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    port = 0
  }
  inet_listener pop3s {
    port = 0
  }
}
service lmtp {
  inet_listener lmtp {
    address = $MAIL_HOST
    port = $LMTP_PORT
  }
}
protocol lmtp {
  postmaster_address = postmaster@lossless.test
}
namespace inbox {
  inbox = yes
  mailbox Drafts {
    special_use = \\Drafts
    auto = subscribe
  }
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
  mailbox Trash {
    special_use = \\Trash
    auto = subscribe
  }
  mailbox Junk {
    special_use = \\Junk
  }
}
EOF
    )
    write_if_changed "$DOVECOT_CONF" "$conf" 0644 || changed=0
    mkdir -p "$STATE/state"
    return $((changed ? 0 : 1))
}

start_dovecot() {
    local conf_changed=$1
    if dovecot_pid >/dev/null; then
        if ((conf_changed)); then
            log "dovecot: config changed, reloading"
            as_root doveadm -c "$DOVECOT_CONF" reload </dev/null >&2
        fi
        return 0
    fi
    stop_other_instances
    local p
    for p in "$IMAP_PORT" "$IMAPS_PORT" "$LMTP_PORT"; do
        ! port_open "$p" || die "port $MAIL_HOST:$p is taken by another process (ss -ltnp 'sport = :$p'); not starting dovecot"
    done
    as_vmail test -w "$MAILDIRS" ||
        die "user $VMAIL_USER cannot write $MAILDIRS (a parent directory not searchable?); set LOSSLESS_MAIL_DIR elsewhere"
    log "dovecot: starting (dovecot -c $DOVECOT_CONF)"
    as_root doveconf -c "$DOVECOT_CONF" -n >/dev/null </dev/null || die "dovecot config invalid: $DOVECOT_CONF"
    as_root dovecot -c "$DOVECOT_CONF" </dev/null >/dev/null 2>&1 ||
        die "dovecot failed to start; see $STATE/dovecot.log"
}

# Another checkout (a CI clone, a second work tree, or a state dir deleted under a running
# server) may have left a test Dovecot of this script on our ports: stop it, so each
# checkout gets mailboxes under its own state dir. Its config (if still there) must carry
# our instance name; anything else on the ports stays an error.
stop_other_instances() {
    local pid conf ours i
    ours=$(dovecot_pid || true)
    for pid in $(pgrep -x dovecot || true); do
        [[ "$pid" != "$ours" ]] || continue
        conf=$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | awk 'prev == "-c" { print; exit } { prev = $0 }')
        [[ "$conf" == */dovecot.conf ]] || continue
        if [[ -f "$conf" ]]; then
            grep -q '^instance_name = lossless-dovecot$' "$conf" || continue
        fi
        log "dovecot: stopping a leftover test instance (pid $pid, $conf)"
        as_root kill "$pid" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
    done
}

stop_dovecot() {
    local pid i
    pid=$(dovecot_pid) || {
        log "dovecot: not running"
        return 0
    }
    log "dovecot: stopping (pid $pid)"
    as_root doveadm -c "$DOVECOT_CONF" stop </dev/null >/dev/null 2>&1 || as_root kill "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    log "dovecot: still running after 5 s, killing $pid"
    as_root kill -9 "$pid" 2>/dev/null || true
}

# ---- Postfix -------------------------------------------------------------
postfix_running() { as_root postfix status </dev/null >/dev/null 2>&1; }

postfix_conf_sum() { { cat /etc/postfix/main.cf /etc/postfix/master.cf "$STATE/vmailbox" "$TLS_DIR/server.pem" 2>/dev/null || true; } | md5sum; }

configure_postfix() {
    local u vmailbox=""
    for u in "${USERS[@]}"; do
        vmailbox+="$u ${u#*@}/${u%@*}/"$'\n'
    done
    write_if_changed "$STATE/vmailbox" "${vmailbox%$'\n'}" 0644 || true

    local domains
    domains=$(printf '%s, ' "${DOMAINS[@]}")
    local settings=(
        "myhostname = mail.lossless.test"
        "mydomain = lossless.test"
        "myorigin = lossless.test"
        "mydestination = localhost"
        "inet_interfaces = loopback-only"
        "mynetworks = 127.0.0.0/8 [::1]/128"
        "smtpd_relay_restrictions = permit_mynetworks reject_unauth_destination"
        "virtual_mailbox_domains = ${domains%, }"
        "virtual_mailbox_maps = texthash:$STATE/vmailbox"
        "virtual_transport = lmtp:inet:$MAIL_HOST:$LMTP_PORT"
        "default_transport = error:no mail leaves this machine"
        "relay_transport = error:no mail leaves this machine"
        "maillog_file = $STATE/postfix.log"
        "maillog_file_prefixes = /var, /dev/stdout, $STATE"
        "smtputf8_enable = yes"
        "message_size_limit = 52428800"
        # STARTTLS offered on 2525 (plain clients keep working); 2465 is implicit TLS (below).
        "smtpd_tls_cert_file = $TLS_DIR/server.pem"
        "smtpd_tls_key_file = $TLS_DIR/server.key"
        "smtpd_tls_security_level = may"
    )
    # Postfix waits (≈ 2 s) before reading a main.cf/master.cf written less than a second ago,
    # so edit only what differs: a start with nothing to change stays fast.
    local want=() setting
    for setting in "${settings[@]}"; do
        [[ "$(as_root postconf "${setting%% = *}" 2>/dev/null)" == "$setting" ]] || want+=("$setting")
    done
    if ((${#want[@]})); then
        as_root postconf -e "${want[@]}"
    fi
    # No chroot (the chroot would need copies of /etc files), logging through postlogd,
    # SMTP only on 127.0.0.1:2525 (the port-25 listener is commented out).
    # (only when needed: postconf -F with a wildcard reorders master.cf on every call)
    if as_root postconf -F '*/*/chroot' | grep -qv ' = n$'; then
        as_root postconf -F '*/*/chroot = n'
    fi
    if ! as_root postconf -M postlog/unix-dgram >/dev/null 2>&1 || [[ -z "$(as_root postconf -M postlog/unix-dgram)" ]]; then
        as_root postconf -M "postlog/unix-dgram=postlog unix-dgram n - n - 1 postlogd"
    fi
    local smtpd_service="$MAIL_HOST:$SMTP_PORT inet n - n - - smtpd"
    if [[ "$(as_root postconf -M "$MAIL_HOST:$SMTP_PORT/inet" 2>/dev/null | tr -s ' ')" != "$smtpd_service" ]]; then
        as_root postconf -M "$MAIL_HOST:$SMTP_PORT/inet=$smtpd_service"
    fi
    local smtps_service="$MAIL_HOST:$SMTPS_PORT inet n - n - - smtpd -o smtpd_tls_wrappermode=yes -o smtpd_tls_security_level=encrypt"
    if [[ "$(as_root postconf -M "$MAIL_HOST:$SMTPS_PORT/inet" 2>/dev/null | tr -s ' ')" != "$smtps_service" ]]; then
        as_root postconf -M "$MAIL_HOST:$SMTPS_PORT/inet=$smtps_service"
    fi
    if [[ -n "$(as_root postconf -M smtp/inet 2>/dev/null)" ]]; then
        as_root postconf -M# smtp/inet
    fi
    if [[ ! -f /etc/aliases ]]; then
        printf 'postmaster: root\n' | as_root tee /etc/aliases >/dev/null
    fi
    if [[ ! -f /etc/aliases.db || /etc/aliases -nt /etc/aliases.db ]]; then
        as_root newaliases </dev/null >&2
    fi
}

start_postfix() {
    local before=$1 iface_before=$2
    if postfix_running; then
        if [[ "$(postfix_conf_sum)" != "$before" ]]; then
            if [[ "$(as_root postconf -h inet_interfaces)" != "$iface_before" ]]; then
                log "postfix: inet_interfaces changed, restarting"
                as_root postfix stop </dev/null >/dev/null 2>&1 || true
                as_root postfix start </dev/null >/dev/null 2>&1 || die "postfix start failed; see $STATE/postfix.log"
            else
                log "postfix: config changed, reloading"
                as_root postfix reload </dev/null >/dev/null 2>&1 || die "postfix reload failed; see $STATE/postfix.log"
            fi
        fi
        return 0
    fi
    local p
    for p in "$SMTP_PORT" "$SMTPS_PORT"; do
        ! port_open "$p" ||
            die "port $MAIL_HOST:$p is taken by another process (ss -ltnp 'sport = :$p'); not starting postfix"
    done
    log "postfix: starting"
    as_root postfix check </dev/null >&2 || die "postfix check failed"
    as_root postfix start </dev/null >/dev/null 2>&1 || die "postfix start failed; see $STATE/postfix.log"
}

stop_postfix() {
    if postfix_running; then
        log "postfix: stopping"
        as_root postfix stop </dev/null >/dev/null 2>&1 || true
        local i
        for ((i = 0; i < 50; i++)); do
            postfix_running || return 0
            sleep 0.1
        done
        log "postfix: still running after 5 s"
    else
        log "postfix: not running"
    fi
}

# ---- commands ------------------------------------------------------------
all_up() {
    port_open "$SMTP_PORT" && port_open "$IMAP_PORT" && port_open "$LMTP_PORT" &&
        port_open "$IMAPS_PORT" && port_open "$SMTPS_PORT"
}

cmd_start() {
    local t0=$SECONDS
    have_packages || install_packages
    ensure_vmail_user
    local before iface_before dovecot_changed=0
    before=$(postfix_conf_sum)
    iface_before=$(as_root postconf -h inet_interfaces)
    ensure_certs && dovecot_changed=1
    configure_dovecot && dovecot_changed=1
    configure_postfix
    start_dovecot "$dovecot_changed"
    start_postfix "$before" "$iface_before"
    wait_ports "$SMTP_PORT" "$IMAP_PORT" "$LMTP_PORT" "$IMAPS_PORT" "$SMTPS_PORT" ||
        die "mail servers did not answer within 30 s; see $STATE/postfix.log and $STATE/dovecot.log"
    log "mail: ready in $((SECONDS - t0))s (state: $STATE)"
    log "mail: TLS: imaps $MAIL_HOST:$IMAPS_PORT, smtps $MAIL_HOST:$SMTPS_PORT, STARTTLS on $IMAP_PORT and $SMTP_PORT; CA $TLS_DIR/ca.pem"
    printf 'mail servers up: smtp %s:%s imap %s:%s\n' "$MAIL_HOST" "$SMTP_PORT" "$MAIL_HOST" "$IMAP_PORT"
}

cmd_stop() {
    if command -v postfix >/dev/null 2>&1; then stop_postfix; fi
    stop_dovecot
}

cmd_reset() {
    # Mail still queued would land in the fresh mailboxes later: drop it too.
    if command -v postsuper >/dev/null 2>&1; then
        as_root postsuper -d ALL </dev/null >/dev/null 2>&1 || true
    fi
    if [[ -d "$MAILDIRS" ]]; then
        as_root find "$MAILDIRS" -mindepth 1 -delete
    fi
    log "mail: all mailboxes emptied ($MAILDIRS)"
}

cmd_status() {
    local rc=0 p name
    if dovecot_pid >/dev/null; then
        printf 'dovecot: running (pid %s, config %s)\n' "$(dovecot_pid)" "$DOVECOT_CONF"
    else
        printf 'dovecot: not running\n'
        rc=1
    fi
    if command -v postfix >/dev/null 2>&1 && postfix_running; then
        printf 'postfix: running\n'
    else
        printf 'postfix: not running\n'
        rc=1
    fi
    for p in "smtp:$SMTP_PORT" "smtps:$SMTPS_PORT" "imap:$IMAP_PORT" "imaps:$IMAPS_PORT" "lmtp:$LMTP_PORT"; do
        name=${p%%:*}
        if port_open "${p#*:}"; then
            printf '%s %s:%s: answers\n' "$name" "$MAIL_HOST" "${p#*:}"
        else
            printf '%s %s:%s: closed\n' "$name" "$MAIL_HOST" "${p#*:}"
            rc=1
        fi
    done
    printf 'state: %s\n' "$STATE"
    printf 'tls ca: %s\n' "$TLS_DIR/ca.pem"
    return "$rc"
}

case "${1:-}" in
start) cmd_start ;;
stop) cmd_stop ;;
reset) cmd_reset ;;
status) cmd_status ;;
*) die "usage: $0 start|stop|reset|status" ;;
esac
