#!/usr/bin/env bash
# Integration/run-cluster-tests.sh — the multi-machine suite: a local cluster (Integration/cluster:
# nspawn machines with real systemd, sshd, the release fleetd from fleet.service/fleet.socket,
# etcd on the host) and one test per scenario. Tears the cluster down at the end, also on
# failure or ^C. Exits non-zero when a scenario fails. Needs root.
#
#   Integration/run-cluster-tests.sh              every scenario
#   Integration/run-cluster-tests.sh NAME...      only these (see `--list`)
#   Integration/run-cluster-tests.sh --list       scenario names
#   FLEET_CLUSTER_KEEP=1 ...                      leave the cluster up afterwards (for debugging)
#   FLEET_CLUSTER_REUSE=1 ...                     use the cluster that is up (made with agent_ttl=5s)
set -euo pipefail
cd "$(dirname "$0")/.."
TTL=5
export FLEET_CLUSTER_AGENT_TTL=${TTL}s
# Its own cluster, beside any other (such as the one scripts/demo leaves up).
export FLEET_CLUSTER_DIR=${FLEET_CLUSTER_DIR:-/tmp/fleet-cluster-test}
export FLEET_CLUSTER_PREFIX=${FLEET_CLUSTER_PREFIX:-fleett}
export FLEET_CLUSTER_SUBNET=${FLEET_CLUSTER_SUBNET:-10.213.78}
source Integration/cluster-helpers.sh


# ---------------------------------------------------------------------------------------------
# unit actions

t_unit_actions() {
    local f; f=$(service_file act.service)
    fctl submit "$f"
    [[ $(fctl list-unit-files --no-legend --fields=unit,dstate,state) == $'act.service\tinactive\tinactive' ]] ||
        fail "after submit: $(fctl list-unit-files --no-legend)"
    diff <(fctl cat act.service) "$f" || fail "cat differs from the submitted file"

    fctl load act.service | grep -q "Unit act.service loaded on" || fail "load message"
    local m; m=$(machine_of act.service); [[ -n $m ]] || fail "load scheduled nowhere"
    [[ $(unit_property "$m" act.service LoadState) == loaded ]] || fail "not loaded in systemd on fleet-$m"
    [[ $(unit_property "$m" act.service ActiveState) == inactive ]] || fail "load started the unit"

    fctl start act.service | grep -q "Unit act.service launched on $(machine_id "$m" | cut -c1-8).../$(machine_ip "$m")" ||
        fail "start message"
    eventually 10 "act.service active on fleet-$m" active_on_exactly act.service "$m"

    fctl stop act.service | grep -q "Unit act.service loaded on" || fail "stop message"
    [[ $(unit_property "$m" act.service ActiveState) == inactive ]] || fail "stop left it running"
    [[ $(unit_property "$m" act.service LoadState) == loaded ]] || fail "stop unloaded it"

    fctl unload act.service | grep -q "Unit act.service inactive" || fail "unload message"
    eventually 10 "unit file gone from fleet-$m" unit_file_absent "$m" act.service
    [[ $(fctl list-unit-files --no-legend --fields=dstate) == inactive ]] || fail "unload: dstate"

    [[ $(fctl destroy act.service) == "Destroyed act.service" ]] || fail "destroy message"
    [[ -z $(fctl list-unit-files --no-legend) ]] || fail "destroy left the unit in the registry"
    fctl cat act.service 2>/dev/null && fail "cat of a destroyed unit succeeded"
    return 0
}

t_replace_and_restart() {
    local f; f=$(unit_file rep.service "[Service]" "ExecStart=/bin/sh -c 'echo version-one; exec sleep infinity'")
    fctl start "$f" >/dev/null
    local m; m=$(machine_of rep.service)
    eventually 10 "rep.service active" is_active_on "$m" rep.service
    local hash1; hash1=$(fctl list-unit-files --no-legend --full --fields=hash)
    unit_file rep.service "[Service]" "ExecStart=/bin/sh -c 'echo version-two; exec sleep infinity'" >/dev/null
    # Without --replace the registry copy stays and fleetctl warns.
    fctl start "$f" 2>&1 | grep -qi "differs" || fail "no warning for a changed local file"
    [[ $(fctl list-unit-files --no-legend --full --fields=hash) == "$hash1" ]] || fail "changed without --replace"
    fctl start --replace "$f" >/dev/null
    [[ $(fctl list-unit-files --no-legend --full --fields=hash) != "$hash1" ]] || fail "--replace kept the old hash"
    m=$(machine_of rep.service)
    eventually 15 "new contents running" runs_contents "$m" rep.service version-two

    local before; before=$(unit_property "$m" rep.service InvocationID)
    fctl restart rep.service >/dev/null
    m=$(machine_of rep.service)
    eventually 15 "restarted" restarted_since "$m" rep.service "$before"
}

t_list_unit_files_order() {
    local n
    for n in zeta.service alpha.service mid@.service mid@2.service; do
        [[ $n == mid@2.service ]] && continue
        service_file "$n" >/dev/null
    done
    fctl submit "$UNITS/zeta.service" "$UNITS/alpha.service" "$UNITS/mid@.service" >/dev/null
    (cd "$UNITS" && fctl submit mid@2.service) >/dev/null 2>&1 || fctl submit "$UNITS/mid@.service" >/dev/null
    local got; got=$(fctl list-unit-files --no-legend --fields=unit | tr '\n' ' ')
    [[ $got == "alpha.service mid@.service zeta.service " || $got == "alpha.service mid@.service mid@2.service zeta.service " ]] ||
        fail "list-unit-files order: $got"
}

t_status_journal_ssh() {
    local f; f=$(service_file sj.service "MachineMetadata=machine=fleet-2")
    fctl start "$f" >/dev/null
    eventually 10 "sj.service active on fleet-2" active_on_exactly sj.service 2
    sleep 2
    local out
    out=$(fctl --strict-host-key-checking=false status sj.service) || fail "status exit $?"
    grep -q "sj.service" <<<"$out" && grep -q "Active: active (running)" <<<"$out" || fail "status output: $out"
    out=$(fctl --strict-host-key-checking=false journal --lines 3 sj.service) || fail "journal exit $?"
    grep -q "tick from $(name_of 2)" <<<"$out" || fail "journal output: $out"
    out=$(fctl --strict-host-key-checking=false journal --sudo --lines 2 sj.service) || fail "journal --sudo exit $?"
    grep -q "tick from $(name_of 2)" <<<"$out" || fail "journal --sudo output: $out"
    # Without SSH: fleetd on machine 1 forwards to the fleetd of machine 2 (its advertised API).
    out=$(fctl status --via=api sj.service) || fail "status --via=api exit $?: $out"
    grep -q "Active: active (running)" <<<"$out" || fail "status --via=api output: $out"
    out=$(fctl journal --via=api --lines 3 sj.service) || fail "journal --via=api exit $?"
    grep -q "tick from $(name_of 2)" <<<"$out" || fail "journal --via=api output: $out"
    # -f streams: new lines keep coming until fleetctl is stopped.
    out=$(timeout 4 "$MACHINE" exec "$(name_of 1)" /opt/fleet/bin/fleetctl journal --via=api -f --lines 1 sj.service) || true
    [[ $(grep -c "tick from" <<<"$out") -ge 3 ]] || fail "journal --via=api -f gave: $out"
    out=$(fctl --strict-host-key-checking=false ssh sj.service hostname) || fail "ssh by unit"
    [[ $out == "$(name_of 2)" ]] || fail "ssh by unit ran on '$out'"
    out=$(fctl --strict-host-key-checking=false ssh "$(machine_id 3 | cut -c1-6)" hostname) || fail "ssh by machine"
    [[ $out == "$(name_of 3)" ]] || fail "ssh by machine prefix ran on '$out'"
    # A remote command's exit status comes back.
    local status=0
    fctl --strict-host-key-checking=false ssh "$(machine_id 3)" exit 7 || status=$?
    [[ $status -eq 7 ]] || fail "ssh exit status $status"
    # Known hosts: the first connection asks on stdin, "yes" stores the key, then no question.
    in_machine 1 rm -f /root/.fleetctl/known_hosts
    out=$(echo yes | fctl ssh "$(machine_id 2)" true 2>&1) || fail "ssh with yes: $out"
    grep -q "Are you sure you want to continue connecting" <<<"$out" || fail "no host key question: $out"
    in_machine 1 grep -q "$(machine_ip 2)" /root/.fleetctl/known_hosts || fail "key not stored"
    out=$(fctl ssh "$(machine_id 2)" true </dev/null 2>&1) || fail "second ssh: $out"
    grep -q "Are you sure" <<<"$out" && fail "asked again for a stored key"
    # A unit name cannot inject a command into the remote shell.
    fctl --strict-host-key-checking=false journal 'sj.service;touch /tmp/injected' >/dev/null 2>&1 || true
    local i
    for i in 1 2 3; do in_machine "$i" test -e /tmp/injected && fail "injection ran on fleet-$i"; done
    return 0
}

journal_through_tunnel_is_two_ticks() {
    local out; out=$(fctl --strict-host-key-checking=false --tunnel "$(machine_ip 2)" journal --via=api --lines=2 --output=cat tun.service)
    [[ $(grep -c "^tick from $FLEET_CLUSTER_PREFIX-[0-9]$" <<<"$out") -eq 2 && $(grep -c . <<<"$out") -eq 2 ]]
}

t_tunnel() {
    # fleetctl in machine 1 reaches the API of machine 2 through ssh and fd-forward there.
    local out
    out=$(fctl --strict-host-key-checking=false --tunnel "$(machine_ip 2)" list-machines --no-legend --full) || fail "tunnel: $out"
    [[ $(grep -c . <<<"$out") -eq $(machine_count) ]] || fail "tunnel list-machines: $out"
    fctl --strict-host-key-checking=false --tunnel "$(machine_ip 3):22" start "$(service_file tun.service)" | grep -q "launched on" ||
        fail "start through the tunnel"
    eventually 10 "tun.service active" active_somewhere tun.service
    # The journal through the tunnel and the API (forwarded to the unit's machine if need be):
    # the unit's last two lines, once it has printed two.
    eventually 10 "journal through the tunnel" journal_through_tunnel_is_two_ticks
    out=$(fctl --strict-host-key-checking=false --tunnel "$FLEET_CLUSTER_SUBNET.250" --ssh-timeout 2 list-units 2>&1) && fail "unreachable tunnel host succeeded"
    [[ -n $out ]] || fail "no error for an unreachable tunnel host"
    log "unreachable tunnel: $(head -1 <<<"$out")"
}

# ---------------------------------------------------------------------------------------------
# [X-Fleet] options

t_machine_id() {
    fctl start "$(service_file mid.service "MachineID=$(machine_id 3)")" >/dev/null
    eventually 10 "mid.service on fleet-3" active_on_exactly mid.service 3
}

t_machine_metadata() {
    # Different keys: AND. Same key twice: OR.
    fctl start "$(service_file and.service "MachineMetadata=rack=r1" "MachineMetadata=machine=fleet-3")" >/dev/null
    eventually 10 "and.service on fleet-3" active_on_exactly and.service 3
    fctl start "$(service_file or1.service "MachineMetadata=machine=fleet-1" "MachineMetadata=machine=fleet-2" "Conflicts=or2.service")" \
        "$(service_file or2.service "MachineMetadata=machine=fleet-1" "MachineMetadata=machine=fleet-2")" >/dev/null
    eventually 10 "one of the or units on fleet-1" active_count_on_is 1 1 or1.service or2.service
    local a b; a=$(machine_of or1.service); b=$(machine_of or2.service)
    [[ "$a$b" == 12 || "$a$b" == 21 ]] || fail "or units on $a and $b"
    fctl start --no-block "$(service_file none.service "MachineMetadata=rack=r9")" >/dev/null
    sleep 2
    [[ -z $(machine_of none.service) ]] || fail "unsatisfiable metadata got scheduled"
}

t_conflicts() {
    fctl submit "$(service_file web@.service "Conflicts=web@*.service")" >/dev/null
    fctl start web@1.service web@2.service web@3.service >/dev/null
    local m
    for m in 1 2 3; do eventually 10 "one web@ on fleet-$m" active_count_on_is "$m" 1 'web@*'; done
    fctl start --no-block web@4.service >/dev/null
    sleep 2
    [[ -z $(machine_of web@4.service) ]] || fail "a fourth conflicting unit got a machine"
    # One-way: only x names y, still never together; several Conflicts lines all count.
    destroy_all
    fctl start "$(service_file y.service "MachineID=$(machine_id 2)")" >/dev/null
    fctl start "$(service_file x.service "Conflicts=y.service" "MachineMetadata=machine=fleet-2" "MachineMetadata=machine=fleet-3")" >/dev/null
    eventually 10 "x.service on fleet-3" active_on_exactly x.service 3
    fctl start "$(service_file z.service "Conflicts=x.service" "Conflicts=y.service")" >/dev/null
    eventually 10 "z.service on fleet-1" active_on_exactly z.service 1
}

t_global() {
    fctl start "$(service_file g.service "Global=true")" | grep -q "Triggered global unit g.service start" || fail "global message"
    eventually 15 "g.service on all machines" active_on_exactly g.service "1 2 3"
    fctl start "$(service_file gr1.service "Global=true" "MachineMetadata=rack=r1")" >/dev/null
    eventually 15 "gr1.service on rack r1 (fleet-1, fleet-3)" active_on_exactly gr1.service "1 3"
    # A unit in conflict with a global unit goes only where that global does not run.
    fctl start "$(service_file avoid.service "Conflicts=gr1.service")" >/dev/null
    eventually 10 "avoid.service on fleet-2" active_on_exactly avoid.service 2
    # A global unit in conflict with a unit runs everywhere but beside it.
    fctl start "$(service_file pinned.service "MachineID=$(machine_id 3)")" >/dev/null
    eventually 10 "pinned on fleet-3" active_on_exactly pinned.service 3
    fctl start "$(service_file gc.service "Global=true" "Conflicts=pinned.service")" >/dev/null
    eventually 15 "gc.service on fleet-1 and fleet-2" active_on_exactly gc.service "1 2"
    fctl stop g.service | grep -q "Triggered global unit g.service stop" || fail "global stop message"
    eventually 15 "g.service stopped everywhere" active_on_exactly g.service ""
}

t_replaces() {
    fctl start "$(service_file old.service "MachineMetadata=machine=fleet-2" "MachineMetadata=machine=fleet-3")" >/dev/null
    local m; m=$(machine_of old.service)
    eventually 10 "old.service running" is_active_on "$m" old.service
    fctl start "$(service_file new.service "Replaces=old.service")" >/dev/null
    eventually 15 "new.service where old.service ran" active_on_exactly new.service "$m"
    local other=$((m == 2 ? 3 : 2))
    eventually 15 "old.service moved to fleet-$other" active_on_exactly old.service "$other"
    # Circular replacement is refused and the second unit is not stored.
    fctl submit "$(service_file c1.service "Replaces=c2.service")" >/dev/null
    local out status=0
    out=$(fctl submit "$(service_file c2.service "Replaces=c1.service")" 2>&1) || status=$?
    ((status != 0)) || fail "circular Replaces accepted"
    grep -qi "circular\|cycle" <<<"$out" || fail "circular Replaces error: $out"
    fctl list-unit-files --no-legend --fields=unit | grep -qx c2.service && fail "c2.service stored"
    return 0
}

t_template_specifiers() {
    fctl submit "$(service_file spec@.service "MachineMetadata=machine=fleet-%i" "Conflicts=%p@*.service")" >/dev/null
    fctl start spec@2.service spec@3.service >/dev/null
    eventually 10 "spec@2 on fleet-2" active_on_exactly spec@2.service 2
    eventually 10 "spec@3 on fleet-3" active_on_exactly spec@3.service 3
}

t_machine_of() {
    fctl start "$(service_file leader.service "MachineMetadata=machine=fleet-2" "MachineMetadata=machine=fleet-3")" >/dev/null
    fctl start "$(service_file follower.service "MachineOf=leader.service")" >/dev/null
    local m; m=$(machine_of leader.service)
    eventually 10 "follower beside leader on fleet-$m" active_on_exactly follower.service "$m"
    # Power the leader's machine off: both move, together.
    "$CLUSTER" kill "$m" >/dev/null
    local other=$((m == 2 ? 3 : 2))
    eventually $((TTL + 20)) "leader.service on fleet-$other" active_on_exactly leader.service "$other"
    eventually 10 "follower.service on fleet-$other" active_on_exactly follower.service "$other"
    "$CLUSTER" boot "$m" >/dev/null
    eventually 30 "fleet-$m back" registered_count_is 3
}

# ---------------------------------------------------------------------------------------------
# machines

t_machines_and_metadata_patch() {
    local out; out=$(fctl list-machines --no-legend)
    [[ $(grep -c . <<<"$out") -eq 3 ]] || fail "list-machines: $out"
    grep -q "$(machine_ip 2)"$'\t'"machine=fleet-2,rack=r2" <<<"$out" || fail "list-machines row: $out"
    local id; id=$(machine_id 3)
    in_machine 1 curl -fsS --unix-socket /var/run/fleet.sock -X PATCH -H 'Content-Type: application/json' \
        -d "[{\"op\":\"add\",\"path\":\"/$id/metadata/role\",\"value\":\"db\"}]" http://fleet/fleet/v1/machines >/dev/null ||
        fail "PATCH failed"
    eventually 10 "role=db listed" listed_with_metadata "$id" role=db
    fctl start "$(service_file db.service "MachineMetadata=role=db")" >/dev/null
    eventually 10 "db.service on fleet-3" active_on_exactly db.service 3
    in_machine 1 curl -fsS --unix-socket /var/run/fleet.sock -X PATCH \
        -d "[{\"op\":\"remove\",\"path\":\"/$id/metadata/role\"}]" http://fleet/fleet/v1/machines >/dev/null
    # The unit no longer fits anywhere: it is unscheduled.
    eventually 15 "db.service stopped after its metadata went" active_on_exactly db.service ""
}

t_machine_joins() {
    fctl start "$(service_file everywhere.service "Global=true")" >/dev/null
    eventually 15 "everywhere on 3" active_on_exactly everywhere.service "1 2 3"
    "$CLUSTER" add >/dev/null
    eventually 30 "4 machines listed" registered_count_is 4
    eventually 15 "everywhere on the new machine" active_on_exactly everywhere.service "1 2 3 4"
    fctl start "$(service_file newbie.service "MachineID=$(machine_id 4)")" >/dev/null
    eventually 10 "a unit on the new machine" active_on_exactly newbie.service 4
}

# Starts UNIT on machine 2 or 3 (the engine picks), waits until it runs, prints the machine.
start_on_2_or_3() {
    fctl start "$(service_file "$1" "MachineMetadata=machine=fleet-2" "MachineMetadata=machine=fleet-3")" >/dev/null || return 1
    eventually 10 "$1 active" active_somewhere "$1" || return 1
    local m; m=$(active_machines "$1")
    [[ $m == 2 || $m == 3 ]] || { fail "$1 active on '$m'"; return 1; }
    echo "$m"
}

t_power_off() {
    local m; m=$(start_on_2_or_3 po1.service)
    "$CLUSTER" kill "$m" >/dev/null
    local other=$((m == 2 ? 3 : 2))
    eventually $((TTL + 20)) "po1.service active on fleet-$other after power-off" active_on_exactly po1.service "$other"
    eventually 5 "list-machines without fleet-$m" registered_count_is 2
    "$CLUSTER" boot "$m" >/dev/null
    eventually 30 "fleet-$m back" registered_count_is 3
    # No churn: the unit stays where it moved.
    sleep 2
    active_on_exactly po1.service "$other" || fail "po1.service moved back"
}

# ---------------------------------------------------------------------------------------------
# fleetd and etcd failures

t_fleetd_restart_keeps_units() {
    fctl start "$(service_file keep.service "MachineID=$(machine_id 2)")" >/dev/null
    eventually 10 "keep.service active" active_on_exactly keep.service 2
    local inv pid; inv=$(unit_property 2 keep.service InvocationID); pid=$(unit_property 2 keep.service MainPID)
    in_machine 2 systemctl restart fleet.service
    sleep $((TTL + 2))
    [[ $(unit_property 2 keep.service InvocationID) == "$inv" && $(unit_property 2 keep.service MainPID) == "$pid" ]] ||
        fail "keep.service was restarted with fleetd"
    active_on_exactly keep.service 2 || fail "keep.service not running after fleetd restart"
    [[ $(fctl list-units --no-legend --fields=unit,active) == $'keep.service\tactive' ]] || fail "state not republished"
}

t_fleetd_stop_unloads_units() {
    local m; m=$(start_on_2_or_3 st1.service)
    local other=$((m == 2 ? 3 : 2)) problems=()
    in_machine "$m" systemctl stop fleet.service fleet.socket
    # By the time the stop returns the unit is gone from fleet-m, and the lease with it.
    [[ $(in_machine "$m" systemctl is-active st1.service) != active ]] || problems+=("still active on fleet-$m")
    unit_file_absent "$m" st1.service || problems+=("unit file left on fleet-$m")
    registered_count_is 2 || problems+=("fleet-$m still listed")
    eventually 10 "st1.service active on fleet-$other" active_on_exactly st1.service "$other" || problems+=("not moved")
    # Never two copies: the copy on fleet-other started after systemd on fleet-m said it stopped
    # (the machines share the kernel, so their monotonic clocks are one clock).
    local stopped started
    stopped=$(in_machine "$m" journalctl -o json --no-pager -n 1 UNIT=st1.service _PID=1 | grep -o '"__MONOTONIC_TIMESTAMP":"[0-9]*"' | tr -dc 0-9)
    started=$(unit_property "$other" st1.service ExecMainStartTimestampMonotonic)
    log "stopped on fleet-$m at ${stopped:-?} µs, started on fleet-$other at ${started:-?} µs"
    [[ -n $stopped && -n $started ]] && ((started > stopped)) || problems+=("started on fleet-$other (${started:-?}) before it stopped on fleet-$m (${stopped:-?})")
    in_machine "$m" systemctl start fleet.socket fleet.service
    eventually 30 "fleet-$m back" registered_count_is 3 || problems+=("fleet-$m did not come back")
    sleep 2
    active_on_exactly st1.service "$other" || problems+=("after fleet-$m returned: active on '$(active_machines st1.service)'")
    [[ ${#problems[@]} -eq 0 ]] || fail "${problems[*]}"
}

t_engine_leader_killed() {
    local leader; leader=$(index_of "$(leader_id)")
    [[ -n $leader ]] || fail "no engine leader"
    log "engine leader: fleet-$leader"
    # fleetctl from a machine that stays up.
    local ctl=$((leader == 1 ? 2 : 1))
    in_machine "$leader" systemctl kill --kill-whom=main --signal=KILL fleet.service
    in_machine "$leader" systemctl stop fleet.service fleet.socket
    eventually $((TTL + 15)) "another engine leader" leader_other_than "$(machine_id "$leader")"
    FLEET_CLUSTER_FLEETCTL_MACHINE=$ctl fctl start --no-block "$(service_file after-leader.service "MachineID=$(machine_id "$ctl")")" >/dev/null
    eventually 15 "scheduling goes on under the new leader" active_on_exactly after-leader.service "$ctl"
    in_machine "$leader" systemctl start fleet.socket fleet.service
    eventually 30 "fleet-$leader back" registered_count_is 3
}

t_etcd_outage() {
    fctl start "$(service_file e1.service "MachineID=$(machine_id 1)")" "$(service_file e2.service "MachineID=$(machine_id 2)")" \
        "$(service_file e3.service "MachineID=$(machine_id 3)")" >/dev/null
    local i inv=()
    for i in 1 2 3; do eventually 10 "e$i active" active_on_exactly "e$i.service" "$i"; inv[i]=$(unit_property "$i" "e$i.service" InvocationID); done
    local files; files=$(fctl list-unit-files --no-legend --full)
    "$CLUSTER" etcd stop >/dev/null
    local t
    for t in $(seq 12); do
        sleep 5
        for i in 1 2 3; do
            [[ $(unit_property "$i" "e$i.service" InvocationID) == "${inv[i]}" ]] && active_on_exactly "e$i.service" "$i" ||
                fail "e$i.service disturbed $((t * 5)) s into the etcd outage"
        done
    done
    "$CLUSTER" etcd start >/dev/null
    eventually 30 "machines back after etcd returned" registered_count_is 3
    for i in 1 2 3; do
        [[ $(unit_property "$i" "e$i.service" InvocationID) == "${inv[i]}" ]] || fail "e$i.service restarted after etcd returned"
    done
    [[ $(fctl list-unit-files --no-legend --full) == "$files" ]] || fail "unit files changed across the outage"
    eventually 15 "states republished" active_in_list_units_at_least 3
    fctl start "$(service_file e4.service)" >/dev/null || fail "cannot start a unit after the outage"
}

# Samples every machine every 0.2 s: "time m1 m2 m3" with each machine's ActiveState of UNIT.
sample_unit() {
    local unit=$1 out=$2 i line
    while true; do
        line=$(date +%s.%N)
        for i in $(seq "$(machine_count)"); do
            line+=" $(in_machine "$i" systemctl is-active "$unit" 2>/dev/null || true)"
        done
        echo "$line" >>"$out"
        sleep 0.2
    done
}

# The first samples of a file from sample_unit in which the unit was active on two machines.
two_copies() {
    awk '{n=0; for (i=2; i<=NF; i++) if ($i == "active") n++; if (n > 1) print}' "$1" | head -3 | tr '\n' ';'
}

t_partition_fence() {
    local i n; n=$(machine_count)
    for i in 2 3; do set_fleet_option "$i" fence_on_disconnect true; done
    eventually 20 "fleetd back on 2 and 3" registered_count_is "$n"
    local m; m=$(start_on_2_or_3 fenced.service)
    local other=$((m == 2 ? 3 : 2)) samples problems=()
    samples=$(mktemp)
    sample_unit fenced.service "$samples" &
    local sampler=$!
    "$CLUSTER" partition "$m" >/dev/null
    # Checks collect problems instead of returning, so the machine is always healed below.
    eventually $((TTL + 20)) "fenced.service active on fleet-$other" active_on_exactly fenced.service "$other" ||
        problems+=("not moved")
    sleep 2
    # The partitioned copy stopped (fenced) rather than being left running.
    [[ $(in_machine "$m" systemctl is-active fenced.service) != active ]] || problems+=("fleet-$m still runs it")
    # Healing must not start it there again, not even for a moment: keep sampling.
    "$CLUSTER" heal "$m" >/dev/null
    eventually 30 "fleet-$m back" registered_count_is "$n" || problems+=("fleet-$m did not come back")
    sleep 3
    kill "$sampler"; wait "$sampler" 2>/dev/null || true
    # Never two copies: no sample with the unit active on two machines.
    local doubles; doubles=$(two_copies "$samples")
    log "$(wc -l <"$samples") samples (every machine each time) from before the partition to after the heal"
    [[ -z $doubles ]] || problems+=("two copies at once: $doubles")
    active_on_exactly fenced.service "$other" || problems+=("after heal: active on '$(active_machines fenced.service)'")
    for i in 2 3; do set_fleet_option "$i" fence_on_disconnect false; done
    eventually 20 "fleetd back" registered_count_is "$n"
    rm -f "$samples"
    [[ ${#problems[@]} -eq 0 ]] || fail "${problems[*]}"
}

# ---------------------------------------------------------------------------------------------

SCENARIOS=(unit_actions replace_and_restart list_unit_files_order status_journal_ssh tunnel machine_id
    machine_metadata conflicts global replaces template_specifiers machines_and_metadata_patch
    fleetd_restart_keeps_units fleetd_stop_unloads_units engine_leader_killed machine_of power_off etcd_outage partition_fence
    machine_joins)

if [[ ${1:-} == --list ]]; then printf '%s\n' "${SCENARIOS[@]}"; exit 0; fi
selected=("$@")
[[ ${#selected[@]} -gt 0 ]] || selected=("${SCENARIOS[@]}")
for s in "${selected[@]}"; do
    declare -F "t_$s" >/dev/null || { echo "unknown scenario '$s' (see --list)" >&2; exit 2; }
done

if [[ -n ${FLEET_CLUSTER_REUSE:-} && -e $FLEET_CLUSTER_DIR/count ]]; then
    export FLEET_CLUSTER_KEEP=1
    tear_down_on_exit
else
    own_cluster
fi

passed=0 failed=0 failures=()
for s in "${selected[@]}"; do
    echo "== $s"
    start=$SECONDS
    set +e
    (set -e; "t_$s")
    status=$?
    set -e
    if ((status == 0)); then
        echo "ok   $s ($((SECONDS - start)) s)"; passed=$((passed + 1))
    else
        echo "FAIL $s ($((SECONDS - start)) s)"; failed=$((failed + 1)); failures+=("$s")
        restore_cluster || true
    fi
    destroy_all || true
done
echo "== cluster suite: $passed passed, $failed failed${failures:+ (${failures[*]})}"
((failed == 0))
