#!/usr/bin/env bash
# Records the audit log fixtures of the auditlog unit tests from the real auditd (which
# scripts/provision.sh starts; it writes log_format=ENRICHED), then derives the variants
# auparse must also read. Run as root: bash scripts/record-audit-fixtures.sh
#
#   recorded-enriched.log            real records: a watch (key dae_al_fx_w: create, write,
#                                    chmod, unlink, mkdir and a failing mkdir), a rule with two keys
#                                    (dae_al_fx_a + dae_al_fx_b: hex key joined by 0x01), an
#                                    exec watch (dae_al_fx_x: EXECVE with a hex argument),
#                                    a watch without a key (key=(null)), the CONFIG_CHANGE
#                                    records of adding those rules, and whatever else
#                                    auditd logged meanwhile
#   raw-from-recorded.log            the same with the ENRICHED part (from 0x1d) cut off: RAW
#   node-prefix-from-recorded.log    the same with "node=fixturehost " before every record
#   interleaved-from-recorded.log    two multi-record events of the recording, records alternating
#   truncated-last-line-from-recorded.log   the recording with its last line cut in the middle
#   garbage-from-recorded.log        the recording with binary garbage and an overlong line mixed in
#   *.aureport.txt                   `aureport -k --summary -if FILE` of each, the tests' oracle
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=test/fixtures/audit
LOG=/var/log/audit/audit.log
W=$(mktemp -d /tmp/dae-al-fx.XXXXXX)
mkdir -p "$W/watched" "$W/multi" "$W/bin" "$W/nokey"
cp /bin/echo "$W/bin/echo"
cleanup() {
  auditctl -W "$W/watched" -p wa -k dae_al_fx_w >/dev/null 2>&1 || true
  auditctl -W "$W/multi" -p wa -k dae_al_fx_a -k dae_al_fx_b >/dev/null 2>&1 || true
  auditctl -W "$W/bin/echo" -p x -k dae_al_fx_x >/dev/null 2>&1 || true
  auditctl -W "$W/nokey" -p wa >/dev/null 2>&1 || true
  rm -rf "$W"
}
trap cleanup EXIT
start="$(date +%x) $(date +%T)"
sleep 1
auditctl -w "$W/watched" -p wa -k dae_al_fx_w
auditctl -w "$W/multi" -p wa -k dae_al_fx_a -k dae_al_fx_b
auditctl -w "$W/bin/echo" -p x -k dae_al_fx_x
auditctl -w "$W/nokey" -p wa
touch "$W/watched/f1"
echo data > "$W/watched/f2"
chmod 600 "$W/watched/f1"
rm "$W/watched/f2"
mkdir "$W/watched/d"
mkdir "$W/watched/d" 2>/dev/null || true # fails with EEXIST: a success=no event
touch "$W/multi/m1"
"$W/bin/echo" "hello world" >/dev/null
touch "$W/nokey/n1"
sleep 3
end="$(date +%x) $(date +%T)"
ausearch --input-logs --raw -ts ${start} -te ${end} > "$OUT/recorded-enriched.log" || true
cut -d $'\x1d' -f1 "$OUT/recorded-enriched.log" > "$OUT/raw-from-recorded.log"
sed 's/^/node=fixturehost /' "$OUT/recorded-enriched.log" > "$OUT/node-prefix-from-recorded.log"
# Two multi-record events (the exec and the unlink), their records alternating.
exec_serial=$(grep -a 'key="dae_al_fx_x"' "$OUT/recorded-enriched.log" | grep -a '^type=SYSCALL' | head -1 | sed -E 's/.*msg=audit\(([0-9.:]+)\).*/\1/')
unlink_serial=$(grep -a 'key="dae_al_fx_w"' "$OUT/recorded-enriched.log" | grep -a 'SYSCALL=unlink' | head -1 | sed -E 's/.*msg=audit\(([0-9.:]+)\).*/\1/')
paste -d '\n' <(grep -aF "msg=audit($exec_serial)" "$OUT/recorded-enriched.log") <(grep -aF "msg=audit($unlink_serial)" "$OUT/recorded-enriched.log") | sed '/^$/d' > "$OUT/interleaved-from-recorded.log"
last=$(tail -n 1 "$OUT/recorded-enriched.log")
{ head -n -1 "$OUT/recorded-enriched.log"; printf '%s' "${last:0:40}"; } > "$OUT/truncated-last-line-from-recorded.log"
{
  head -n 5 "$OUT/recorded-enriched.log"
  head -c 300 /dev/urandom | tr -d '\n'; printf '\n'
  printf 'type=SYSCALL msg=audit(garbage): no header\n'
  printf 'type=PATH msg=audit(1700000000.000:1): name=%s\n' "$(head -c 70000 /dev/zero | tr '\0' 'A')"
  tail -n +6 "$OUT/recorded-enriched.log"
} > "$OUT/garbage-from-recorded.log"
for f in recorded-enriched raw-from-recorded node-prefix-from-recorded interleaved-from-recorded truncated-last-line-from-recorded garbage-from-recorded; do
  aureport -k --summary -if "$OUT/$f.log" > "$OUT/$f.aureport.txt" || true
done
wc -l "$OUT"/*.log
